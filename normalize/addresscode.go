package normalize

// UnknownAddressCode reports whether the address code of a normalized
// 18-character identity number (digits 1–6, GB 11643-1999) is in no edition
// of GB/T 2260: neither the 2023 division list nor the 1980–2019 timeline
// (DefaultDivisions). Codes that existed once and were abolished, and codes
// newer than the holder's birth date, are known: people keep the number they
// were given, and a new county renumbers nobody. Not checked, so never
// unknown: the special ranges 810000/820000/830000 (residence permits of
// Hong Kong, Macao and Taiwan residents) and numbers starting with 9
// (foreigners' permanent-residence ID, 2023 form). Other lengths: false.
func UnknownAddressCode(id string) bool {
	if len(id) != 18 || id[0] == '9' || permitCodes[id[:6]] || !isDigits(id[:6]) {
		return false
	}
	_, _, known := DefaultDivisions().County(id[:6])
	return !known
}
