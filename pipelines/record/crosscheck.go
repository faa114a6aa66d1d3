package record

import (
	"sort"
	"strings"

	"github.com/residenthub/residenthub/normalize"
	"github.com/residenthub/residenthub/schema"
)

// undecodable rejects an envelope whose record key or any field value
// cannot be stored as text (normalize.Undecodable: invalid UTF-8 or the
// U+FFFD of a lossy decoder), naming every such field (the key as
// "record_key"). The connectors reject these already; this guards envelopes
// written to raw.<source> by anything else, so a replacement character is
// never stored and two different undecodable keys never become one record.
func undecodable(env *schema.Envelope) *Reject {
	var fields []string
	reason := ""
	if why := normalize.Undecodable(env.RecordKey); why != "" {
		fields, reason = append(fields, "record_key"), why
	}
	for name, v := range env.Fields {
		if why := normalize.Undecodable(v); why != "" {
			fields, reason = append(fields, name), why
		}
	}
	if len(fields) == 0 {
		return nil
	}
	sort.Strings(fields)
	if len(fields) > 1 {
		reason = "cannot be decoded (invalid UTF-8 or U+FFFD)"
	}
	return &Reject{Field: strings.Join(fields, ","), Reason: reason}
}

// sexMatchesID rejects a record whose sex, a GB/T 2261.1 code, is "1"
// (male) or "2" (female) but differs from the one its id_number encodes (GB
// 11643-1999: the sequence digit, 17th of 18, is odd for men, even for
// women). As with the birth date the number is the authority: a record that
// contradicts it belongs to someone else or was keyed in wrong. "0"
// (unknown), "9" (unspecified) and records without either pass.
func sexMatchesID(ds schema.Dataset, values []any) error {
	var id, sex string
	for i, f := range ds.Fields {
		switch f.Name {
		case "id_number":
			id, _ = values[i].(string)
		case "sex":
			sex, _ = values[i].(string)
		}
	}
	if id == "" || (sex != "1" && sex != "2") {
		return nil
	}
	if encoded := normalize.SexFromID(id); encoded != "" && encoded != sex {
		return &Reject{Field: "sex", Reason: "does not match the sex in the ID number (17th digit odd = male, even = female)"}
	}
	return nil
}

// fen normalizes an amount of field f to fen (normalize.Fen) and rejects a
// negative one unless the schema says f may be negative
// (schema.Field.MayBeNegative): a negative income, pension, deposit or asset
// value is a sign or export error, and one negative deposit row would make
// an ineligible household look eligible.
func fen(f schema.Field, raw string) (any, []string, error) {
	n, err := normalize.Fen(raw)
	if err != nil {
		return nil, nil, err
	}
	if n < 0 && !f.MayBeNegative {
		return nil, nil, &Reject{Reason: "is negative; " + f.Name + " cannot be negative"}
	}
	return n, nil, nil
}

// addressCodeKnown rejects an upserted record whose id_number has an address
// code in no edition of GB/T 2260 (normalize.UnknownAddressCode): such a
// number was keyed in wrong or made up, and loading it would make a normal
// resident of it (a decision about them would look sound). The hub rejects
// rather than loads and flags, as it does for a division code field in no
// edition: the dead letter and rejects table say why, and the department
// corrects the record. Abolished codes, codes newer than the birth date and
// the special ranges (81/82/83 permits, 9xx foreigners) are accepted.
// Deletes pass, so a record loaded before this check can still be removed.
func addressCodeKnown(ds schema.Dataset, values []any, deleted bool) error {
	if deleted {
		return nil
	}
	for i, f := range ds.Fields {
		if f.Kind != schema.KindIDNumber {
			continue
		}
		if id, _ := values[i].(string); normalize.UnknownAddressCode(id) {
			return &Reject{Field: f.Name, Reason: "address code (digits 1-6) is in no edition of GB/T 2260 (neither the 2023 list nor the 1980-2019 timeline)"}
		}
	}
	return nil
}

// joinRejects makes one Reject of a record's field rejections, in field
// order: nil for none, the one itself, or Field "a,b" with Reason
// "a: reason; b: reason" naming every field, so the department sees all
// that is wrong with a record, not only the first.
func joinRejects(rs []*Reject) *Reject {
	switch len(rs) {
	case 0:
		return nil
	case 1:
		return rs[0]
	}
	fields := make([]string, len(rs))
	reasons := make([]string, len(rs))
	for i, r := range rs {
		fields[i] = r.Field
		reasons[i] = r.Field + ": " + r.Reason
	}
	return &Reject{Field: strings.Join(fields, ","), Reason: strings.Join(reasons, "; ")}
}
