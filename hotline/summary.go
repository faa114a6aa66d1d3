package hotline

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/residenthub/residenthub/csvsafe"
)

// SummaryRow is one problem kind of the public summary. Counts of a row
// with fewer than the threshold's cases are suppressed (nil), and so is
// the next-smallest row when only one would be, so a suppressed count
// cannot be recovered from the total.
type SummaryRow struct {
	Rank              int      `json:"rank"`
	Kind              string   `json:"kind"`
	Committee         string   `json:"committee"`
	Cases             *int64   `json:"cases"`
	Calls             *int64   `json:"calls"`
	ResolvedShare     *float64 `json:"resolved_share"`
	MedianDaysToClose *float64 `json:"median_days_to_close"`
	Suppressed        bool     `json:"suppressed"`
}

// Summary is the de-identified summary of a community's (or the district's)
// year that can be published as it is: counts per problem kind, the share
// resolved, the days to close and the committee answering for it — no
// ticket, caller, address or text.
type Summary struct {
	Year          int          `json:"year"`
	Community     Community    `json:"community"`
	Cases         *int64       `json:"cases"` // nil when under the threshold
	Calls         *int64       `json:"calls"`
	ResolvedShare *float64     `json:"resolved_share"`
	Problems      []SummaryRow `json:"problems"`
	SuppressBelow int          `json:"suppress_below"`
	// ComputedAt and TicketsUntil are the ranking's (UTC): when its counts
	// were computed and the latest ticket they count.
	ComputedAt   *time.Time `json:"computed_at,omitempty"`
	TicketsUntil *time.Time `json:"tickets_until,omitempty"`
}

// Summarize makes the public summary of a ranking: every count of fewer
// than suppressBelow cases (at least MinSuppressBelow) is withheld.
func Summarize(r Ranking, suppressBelow int) Summary {
	if suppressBelow < MinSuppressBelow {
		suppressBelow = MinSuppressBelow
	}
	s := Summary{Year: r.Year, Community: r.Community, SuppressBelow: suppressBelow, Problems: []SummaryRow{},
		ComputedAt: r.ComputedAt, TicketsUntil: r.TicketsUntil}
	small := func(n int64) bool { return n < int64(suppressBelow) }
	if !small(r.Cases) {
		cases, calls := r.Cases, r.Calls
		s.Cases, s.Calls = &cases, &calls
		var resolved int64
		for _, p := range r.Problems {
			resolved += p.Resolved
		}
		// Shares over the ranked kinds only when they hold every case.
		if covered := sumCases(r.Problems); covered == r.Cases && r.Cases > 0 {
			sh := round(float64(resolved)/float64(r.Cases), 4)
			s.ResolvedShare = &sh
		}
	}
	suppress := map[int]bool{}
	for i, p := range r.Problems {
		if small(p.Cases) {
			suppress[i] = true
		}
	}
	if len(suppress) == 1 && len(r.Problems) > 1 && s.Cases != nil {
		// Complementary suppression: also withhold the smallest other row.
		idx := make([]int, 0, len(r.Problems))
		for i := range r.Problems {
			if !suppress[i] {
				idx = append(idx, i)
			}
		}
		sort.SliceStable(idx, func(a, b int) bool { return r.Problems[idx[a]].Cases < r.Problems[idx[b]].Cases })
		suppress[idx[0]] = true
	}
	for i, p := range r.Problems {
		row := SummaryRow{Rank: p.Rank, Kind: p.Kind, Committee: p.Committee, Suppressed: suppress[i]}
		if !row.Suppressed {
			cases, calls, share := p.Cases, p.Calls, p.ResolvedShare
			row.Cases, row.Calls, row.ResolvedShare, row.MedianDaysToClose = &cases, &calls, &share, p.MedianDaysToClose
		}
		s.Problems = append(s.Problems, row)
	}
	return s
}

func sumCases(ps []Problem) int64 {
	var n int64
	for _, p := range ps {
		n += p.Cases
	}
	return n
}

// SuppressedMark is written in CSV and HTML cells whose count is withheld.
const SuppressedMark = "<5"

// SummaryCSVHeader is the header row of WriteSummaryCSV (Chinese, as
// published).
var SummaryCSVHeader = []string{"年度", "社区代码", "社区", "排名", "问题类别", "责任委员会", "案件数", "来电数", "办结率", "办结天数中位数"}

// WriteSummaryCSV writes the summary as CSV (UTF-8, the header above, one
// row per problem kind), text cells neutralized for spreadsheets
// (csvsafe); withheld counts read "<5" (SuppressedMark, or "<N" for a
// higher threshold).
func WriteSummaryCSV(w io.Writer, s Summary) error {
	cw := csvsafe.NewWriter(w, []bool{false, true, true, false, true, true, false, false, false, false})
	if err := cw.Write(append([]string(nil), SummaryCSVHeader...)); err != nil {
		return fmt.Errorf("cannot write the summary CSV: %w", err)
	}
	mark := "<" + strconv.Itoa(s.SuppressBelow)
	for _, p := range s.Problems {
		row := []string{strconv.Itoa(s.Year), s.Community.Code, s.Community.Name, strconv.Itoa(p.Rank), p.Kind, p.Committee,
			intCell(p.Cases, mark), intCell(p.Calls, mark), floatCell(p.ResolvedShare, mark, 4), floatCell(p.MedianDaysToClose, "", 1)}
		if p.Suppressed {
			row[9] = mark
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("cannot write the summary CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("cannot write the summary CSV: %w", err)
	}
	return nil
}

func intCell(p *int64, mark string) string {
	if p == nil {
		return mark
	}
	return strconv.FormatInt(*p, 10)
}

func floatCell(p *float64, none string, prec int) string {
	if p == nil {
		return none
	}
	return strconv.FormatFloat(*p, 'f', prec, 64)
}
