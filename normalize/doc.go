// Package normalize turns the values departments send into the canonical forms
// of the resident profile: 18-digit citizen identity numbers (GB 11643-1999),
// names, calendar dates and instants, money in integer fen, unified social
// credit codes (GB 32100-2015), code-table values (GB/T 2261.1 sex, GB 3304
// ethnicity, GB/T 4761 relation to head of household), division codes
// (GB/T 2260) and phone numbers.
//
// Every function here is pure: no I/O, no clock reads except where the name
// says so (IDNumber reads time.Now; IDNumberAt takes it), safe for concurrent
// use, and never panics on any input. A rejected value comes back as an
// *Error whose Reason is a short English sentence fit for a dead-letter
// record; identity numbers and names are masked in it (MaskID, MaskName).
//
// The reference data (code tables, division lists) is embedded from copies of
// /work/shared/data; see codetables/README.md and divisions/README.md for the
// origin of each file.
package normalize
