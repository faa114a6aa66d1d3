package demo

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// writeTruthFile writes t to path as json.MarshalIndent(t, "", " ") plus a
// newline would, but element by element for the three long lists (invalid
// records, households, residents), so a large district's truth is never
// held twice in memory as JSON.
func writeTruthFile(path string, t *Truth) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("cannot write truth: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<16)
	err = encodeTruth(w, t)
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot write truth: %w", err)
	}
	return nil
}

// truthLists are the trailing fields of Truth written element by element,
// in field order; encodeTruth relies on them being the last three fields.
const truthLists = `,
 "invalid": null,
 "households": null,
 "residents": null
}`

func encodeTruth(w *bufio.Writer, t *Truth) error {
	head := *t
	head.Invalid, head.Households, head.Residents = nil, nil, nil
	b, err := json.MarshalIndent(&head, "", " ")
	if err != nil {
		return err
	}
	if !bytes.HasSuffix(b, []byte(truthLists)) {
		return fmt.Errorf("truth encoding: Truth must end with invalid, households, residents")
	}
	w.Write(b[:len(b)-len(truthLists)])
	if err := writeList(w, "invalid", t.Invalid); err != nil {
		return err
	}
	if err := writeList(w, "households", t.Households); err != nil {
		return err
	}
	if err := writeList(w, "residents", t.Residents); err != nil {
		return err
	}
	_, err = w.WriteString("\n}\n")
	return err
}

// writeList writes `,\n "name": [...]` as MarshalIndent nests it at depth 1.
func writeList[T any](w *bufio.Writer, name string, list []T) error {
	w.WriteString(",\n \"" + name + "\": ")
	switch {
	case list == nil:
		w.WriteString("null")
	case len(list) == 0:
		w.WriteString("[]")
	default:
		w.WriteString("[")
		for i := range list {
			if i > 0 {
				w.WriteString(",")
			}
			b, err := json.MarshalIndent(&list[i], "  ", " ")
			if err != nil {
				return err
			}
			w.WriteString("\n  ")
			w.Write(b)
		}
		w.WriteString("\n ]")
	}
	return nil
}
