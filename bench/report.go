package bench

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Print writes the result as one table: every figure beside its floor
// measured in the same run, and their ratio.
func Print(w io.Writer, r *Result) {
	m := r.Machine
	fmt.Fprintf(w, "residenthub bench %s: %s residents in %s households, %s records in %d files (%.0f MiB), generated in %.0f s\n",
		r.Date.Format("2006-01-02 15:04 UTC"), num(float64(r.Residents)), num(float64(r.Households)), num(float64(r.District.Records)),
		r.District.Files, float64(r.District.Bytes)/(1<<20), r.District.GenerateSecond)
	fmt.Fprintf(w, "machine: %d cores, %.1f GiB, load average %.2f at start, %.2f at end; ClickHouse %s; %s; run took %.0f s\n\n",
		m.Cores, float64(m.MemoryBytes)/(1<<30), m.LoadAvgStart, m.LoadAvgEnd, m.ClickHouseVersion, m.GoVersion, r.Seconds)

	t := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	row := func(cells ...string) { fmt.Fprintln(t, strings.Join(cells, "\t")) }
	row("figure", "measured", "floor (same run)", "ratio")
	if in := r.Ingest; in != nil {
		floor := "ClickHouse bulk insert " + num(in.FloorInsertRowsPerS) + " rows/s"
		peer := "ClickHouse Kafka engine " + num(in.PeerKafkaEnginePerS) + " msgs/s"
		row("ingest end to end (files → ClickHouse)", num(in.EndToEndPerS)+" records/s", floor, frac(in.EndToEndVsFloor))
		row("", "", peer, frac(in.EndToEndVsPeer))
		row("ingest, pipelines only (raw topics full)", num(in.PipelinesOnlyPerS)+" msgs/s", floor, frac(in.PipelinesOnlyVsFloor))
		row("", "", peer, frac(in.PipelinesOnlyVsPeer))
		for _, src := range in.Sources {
			if src.Format == "xlsx" {
				row("ingest end to end, Excel source "+src.Source, fmt.Sprintf("%s rows/s (%s rows in %.0f s)", num(src.PerS), num(float64(src.Records)), src.Seconds), "", "")
			}
		}
		row("hub peak RSS: end to end | pipelines only", num(float64(in.PeakRSSBytes)/(1<<20))+" | "+num(float64(in.PipelinesOnlyPeakRSSBytes)/(1<<20))+" MiB", "", "")
		row("hub CPU s per million records: same", num(in.CPUSPerMillion)+" | "+num(in.PipelinesOnlyCPUSPerMillion), "", "")
		if in.PipelinesOnlyRowsWrittenPerMessage > 0 {
			row("pipelines only, ClickHouse's side: CPU s per million msgs | rows written, merged per msg",
				fmt.Sprintf("%s | %.1f, %.1f", num(in.PipelinesOnlyClickHouseCPUSPerMillion), in.PipelinesOnlyRowsWrittenPerMessage, in.PipelinesOnlyRowsMergedPerMessage), "", "")
		}
	}
	if c := r.Crash; c != nil {
		killed := fmt.Sprintf("killed after %.1f s, %s messages committed", c.KilledAfterS, num(float64(c.CommittedAtKill)))
		if !c.Killed {
			killed = "loaded everything before the kill"
		}
		verdict := "equal to the uninterrupted load"
		if !c.Equal {
			verdict = "DIFFERS from the uninterrupted load"
		}
		row("crash: pipelines killed (SIGKILL) halfway, restarted", fmt.Sprintf("%s; reloaded in %.1f s; %s", killed, c.RestartS, verdict), "", "")
	}
	if c := r.Checks; c != nil {
		floor := fmt.Sprintf("ClickHouse PK lookup p50 %s, p99 %s ms", ms(c.FloorPKP50Ms), ms(c.FloorPKP99Ms))
		for _, l := range []struct {
			name string
			l    Load
		}{
			{"dibao check", c.Dibao}, {"dibao check", c.Dibao1Client}, {"dibao check", c.DibaoAtRate}, {"dibao check as of yesterday", c.DibaoAsOf},
			{"residence certificate", c.ResidenceCertificate}, {"residence certificate", c.CertificateAtRate},
			{"profile GET", c.Profile}, {"profile GET", c.ProfileAtRate},
		} {
			if l.l.Requests == 0 {
				continue // a load not run (-rate 0)
			}
			label := fmt.Sprintf("%s, %d client%s", l.name, l.l.Clients, plural(l.l.Clients))
			if l.l.OfferedPerS > 0 {
				label = fmt.Sprintf("%s at %s/s offered, ≤ %d in flight", l.name, num(l.l.OfferedPerS), l.l.Clients)
			}
			row(label,
				fmt.Sprintf("%s/s, p50 %s, p95 %s, p99 %s ms%s", ms(l.l.PerS), ms(l.l.P50Ms), ms(l.l.P95Ms), ms(l.l.P99Ms), errorsText(l.l)),
				floor, fmt.Sprintf("p50 ×%s, p99 ×%s", times(l.l.P50VsFloor), times(l.l.P99VsFloor)))
			if cp := l.l.CPU; cp.HubMs+cp.ClickHouseMs+cp.BenchMs > 0 {
				row("  CPU ms per request: hub | ClickHouse | bench", fmt.Sprintf("%.2f | %.2f | %.2f", cp.HubMs, cp.ClickHouseMs, cp.BenchMs), "", "")
			}
			if l.l.ReadCacheHitShare >= 0 {
				row("  reads answered from the hub's read cache", fmt.Sprintf("%.0f %%", 100*l.l.ReadCacheHitShare), "", "")
			}
		}
		b := c.Burst
		row(fmt.Sprintf("burst: %d dibao checks at once", b.Requests),
			fmt.Sprintf("%d answered, %d refused%s; p50 %s, p99 %s ms", b.Answered, b.Refused, statuses(b.Statuses, true), ms(b.P50Ms), ms(b.P99Ms)), "", "")
	}
	if f := r.Freshness; f != nil {
		row(fmt.Sprintf("push → in a profile (%d changes)", f.Pushes), fmt.Sprintf("p50 %s, p99 %s ms%s", ms(f.PushP50Ms), ms(f.PushP99Ms), timeouts(f.PushTimeouts)),
			fmt.Sprintf("pipelines.linger %s ms", ms(f.LingerMs)), "p50 ×"+times(f.PushP50VsFloor))
		row(fmt.Sprintf("SQL pull → in a profile (%d changes)", f.SQLChanges), fmt.Sprintf("p50 %s, p99 %s ms%s", ms(f.SQLP50Ms), ms(f.SQLP99Ms), timeouts(f.SQLTimeouts)),
			fmt.Sprintf("linger + half the %s s schedule: %s ms", num(f.SQLScheduleMs/1000), ms(f.SQLFloorMs)), "p50 ×"+times(f.SQLP50VsFloor))
	}
	printCluster(row, r.Cluster)
	if h := r.Hotline; h != nil {
		row(fmt.Sprintf("hotline top problems, %s tickets/year (2 years read)", num(float64(h.TicketsPerYear))),
			fmt.Sprintf("district p50 %s, max %s ms; one community p50 %s, max %s ms", ms(h.DistrictP50Ms), ms(h.DistrictMaxMs), ms(h.CommunityP50Ms), ms(h.CommunityMaxMs)),
			fmt.Sprintf("GROUP BY category, same rows: %s ms", ms(h.FloorP50Ms)), "p50 ×"+times(h.DistrictVsFloor))
		row("hotline top problems as the API answers (precomputed snapshot)",
			fmt.Sprintf("district p50 %s, max %s ms; one community p50 %s, max %s ms (%d each)", ms(h.SnapshotDistrictP50Ms), ms(h.SnapshotDistrictMaxMs),
				ms(h.SnapshotCommunityP50Ms), ms(h.SnapshotCommunityMaxMs), h.SnapshotRepeats),
			fmt.Sprintf("computing it (all communities, one pass): %s s; refresh check: %s ms", num(h.ComputeSeconds), ms(h.RefreshCheckMs)), "")
	}
	t.Flush()
	if len(r.GoBench) > 0 {
		fmt.Fprintln(w, "\nGo benchmarks (go test -bench -benchmem):")
		t = tabwriter.NewWriter(w, 2, 8, 2, ' ', tabwriter.AlignRight)
		for _, b := range r.GoBench {
			fmt.Fprintf(t, "%s.%s\t%s ns/op\t%s B/op\t%s allocs/op\t\n", b.Package[strings.LastIndexByte(b.Package, '/')+1:], b.Name,
				num(b.NsPerOp), num(b.BytesPerOp), num(b.AllocsPerOp))
		}
		t.Flush()
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// printer groups thousands (x/text/message).
var printer = message.NewPrinter(language.English)

// num formats with thousands separators, no decimals (one below 10).
func num(v float64) string {
	if v < 10 && v != float64(int64(v)) {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return printer.Sprintf("%d", int64(v+0.5))
}

// ms formats milliseconds: one decimal below 10.
func ms(v float64) string {
	if v < 10 {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return num(v)
}

// frac formats a ratio below 1 with three significant digits.
func frac(v float64) string {
	if v == 0 {
		return "—"
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// times formats a ratio above 1.
func times(v float64) string {
	if v == 0 {
		return "—"
	}
	if v < 10 {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return num(v)
}

// errorsText says how many requests did not answer 200, and with what.
func errorsText(l Load) string {
	if l.Errors == 0 {
		return ""
	}
	return fmt.Sprintf(", %d errors%s", l.Errors, statuses(l.Statuses, true))
}

func timeouts(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(", %d timed out", n)
}

// statuses lists the statuses other than 200 (all with all), e.g. " (503: 12)".
func statuses(m map[string]int, skipOK bool) string {
	var keys []string
	for k := range m {
		if !skipOK || k != "200" {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return ""
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
