package file

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/residenthub/residenthub/connectors"
)

// maxHeaderShown is how many header columns an error note quotes.
const maxHeaderShown = 30

// checkHeader compares a file's header row (nil for JSON lines: nothing is
// checked) with the source's configuration. A missing key column makes the
// whole file unreadable: every row would be rejected, and a header that lacks
// it is a wrong file or one read in the wrong encoding. The error names the
// missing columns and the header found. Missing mapped columns (fields,
// source_time, op column) are only logged, once per file: those fields stay
// empty.
func checkHeader(run *connectors.Run, name, format, enc string, header []string) error {
	if header == nil {
		return nil
	}
	have := make(map[string]bool, len(header))
	for _, h := range header {
		have[h] = true
	}
	src := run.Source
	var missingKeys []string
	for _, k := range src.Key {
		if !have[k] {
			missingKeys = append(missingKeys, k)
		}
	}
	if len(missingKeys) > 0 {
		hint := "a wrong file, or a changed export"
		if format == "csv" {
			hint += fmt.Sprintf("; if the names look garbled the file is not %s: set settings.encoding", encodingName(enc))
		}
		return fmt.Errorf("the header row lacks the key column(s) %s, so no row could be keyed; header found: %s (%s)",
			quoteList(missingKeys, len(missingKeys)), quoteList(header, maxHeaderShown), hint)
	}
	seen := map[string]bool{}
	var missing []string
	want := []string{src.SourceTime, src.Op.Column}
	for _, col := range src.Fields {
		want = append(want, col)
	}
	for _, col := range want {
		if col != "" && !have[col] && !seen[col] {
			seen[col] = true
			missing = append(missing, col)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		run.Logger.Warn("file header lacks mapped columns; their fields stay empty", "file", name,
			"missing", missing, "header", quoteList(header, maxHeaderShown))
	}
	return nil
}

func encodingName(enc string) string {
	switch enc {
	case "gbk", "gb18030":
		return "in " + strings.ToUpper(enc)
	}
	return "in UTF-8"
}

// quoteList quotes up to max names, comma separated, saying how many more.
func quoteList(names []string, max int) string {
	var b strings.Builder
	for i, n := range names {
		if i == max {
			fmt.Fprintf(&b, " ... (%d more)", len(names)-max)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(n))
	}
	return b.String()
}
