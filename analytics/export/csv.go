package export

import (
	"fmt"
	"io"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/residenthub/residenthub/csvsafe"
)

// csvSink writes batches as CSV rows through csvsafe: the String columns are
// text (neutralized), numbers and dates are written as they are.
type csvSink struct {
	w   *csvsafe.Writer
	row []string
}

func newCSVSink(sc *arrow.Schema, w io.Writer) (sink, error) {
	text := make([]bool, sc.NumFields())
	header := make([]string, sc.NumFields())
	for i, f := range sc.Fields() {
		text[i] = f.Type.ID() == arrow.STRING
		header[i] = f.Name
	}
	s := &csvSink{w: csvsafe.NewWriter(w, text), row: make([]string, len(header))}
	if err := s.w.Write(header); err != nil {
		return nil, fmt.Errorf("cannot start the csv file: %w", err)
	}
	return s, nil
}

func (s *csvSink) write(rec arrow.Record) error {
	for i := 0; i < int(rec.NumRows()); i++ {
		for c := range s.row {
			s.row[c] = csvCell(rec.Column(c), i)
		}
		if err := s.w.Write(s.row); err != nil {
			return err
		}
	}
	s.w.Flush()
	return s.w.Error()
}

func (s *csvSink) close() error {
	s.w.Flush()
	return s.w.Error()
}

// csvCell is one value as text: instants RFC 3339 UTC, dates YYYY-MM-DD,
// NULL empty.
func csvCell(col arrow.Array, i int) string {
	if col.IsNull(i) {
		return ""
	}
	switch a := col.(type) {
	case *array.String:
		return a.Value(i)
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).UTC().Format(time.RFC3339)
	case *array.Date32:
		return a.Value(i).ToTime().Format(time.DateOnly)
	}
	return col.ValueStr(i)
}
