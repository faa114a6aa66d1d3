package analytics

import (
	"fmt"
	"strings"
)

// Example is one example query file of docs/analytics/ for the dictionary's
// list: its file name and its title (the first comment line).
type Example struct {
	File, Title string
}

// Markdown renders the data dictionary, docs/analytics.md: how to connect,
// the rules every column follows (pseudonyms, China time, fen, small
// counts), the example queries, then every table and view of Catalog with
// every column.
func Markdown(examples []Example) string {
	var b strings.Builder
	b.WriteString(intro)
	b.WriteString("\n## Example queries\n\n")
	b.WriteString("Each file in [`docs/analytics/`](analytics/) is one query to paste into clickhouse-client or a BI tool; a test runs every one " +
		"against the demo district and compares the answer with what the generator put there. Queries that depend on the day start with " +
		"a `-- parameter` line (`toDate(now(), 'Asia/Shanghai') AS as_of`: today in China); put another day there to look back.\n\n")
	for _, e := range examples {
		fmt.Fprintf(&b, "- [`%s`](analytics/%s) — %s\n", e.File, e.File, e.Title)
	}
	b.WriteString("\n## Which date to group by\n\n")
	b.WriteString("| table | instant (UTC) | group by (China date) |\n|---|---|---|\n")
	for _, t := range Catalog() {
		for i, c := range t.Columns {
			if c.Type == "DateTime" && i+1 < len(t.Columns) && t.Columns[i+1].Type == "Date" {
				fmt.Fprintf(&b, "| `%s` | `%s` | `%s` |\n", t.Name, c.Name, t.Columns[i+1].Name)
			}
		}
	}
	b.WriteString("| `*_history` | `source_time`, `ingest_time` | `toDate(source_time, 'Asia/Shanghai')` |\n")
	b.WriteString("\n## Tables and views\n")
	for _, t := range Catalog() {
		kind := "view"
		if t.Engine != "View" {
			kind = "table, " + t.Engine
		}
		fmt.Fprintf(&b, "\n### `%s` (%s)\n\n%s\n\n", t.Name, kind, t.Description)
		b.WriteString("| column | type | meaning | unit | from | de-identification |\n|---|---|---|---|---|---|\n")
		for _, c := range t.Columns {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", c.Name, c.Type, cell(c.Description), cell(c.Unit), cell(c.Origin), c.Deidentification)
		}
	}
	return b.String()
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	if s == "" {
		return "—"
	}
	return strings.ReplaceAll(s, "|", `\|`)
}

const intro = `# The analytics database: data dictionary

<!-- Generated from schema/datasets.go, schema/dictionary.go and analytics/tables.go by
     go test ./analytics -run TestDictionaryDoc -update
     Do not edit by hand: a test fails when this file and the definitions differ. -->

The hub copies every record it loads, de-identified, into the analytics database
(` + "`clickhouse.analytics_database`" + `: ` + "`analytics`" + ` by default, ` + "`residenthub_demo_analytics`" + ` in the demo),
for analysts working in SQL clients, BI tools and notebooks. Nothing in it can
name a person: ID numbers, household numbers and record keys are replaced by
salted pseudonyms; names, phone numbers, addresses, hotline summaries and health
codes are not copied; birth dates are cut to the year. Nothing there reads the
profile database, and no definition there shows the salt.

## Connecting

The local ClickHouse (` + "`deploy/local/clickhouse.sh start`" + `) has a read-only user
` + "`analyst`" + ` that may read the analytics databases only (README, "Analysts"):

` + "```sh" + `
clickhouse-client --port 19000 --user analyst --password "$(cat var/clickhouse/analyst.password)" --database analytics
` + "```" + `

BI tools use the HTTP interface: ` + "`http://127.0.0.1:18123/`" + ` with user ` + "`analyst`" + `,
the same password and database ` + "`analytics`" + `. Notebooks can also read
Parquet or Arrow files written by ` + "`residenthub export -dataset NAME -format parquet -out FILE`" + `;
each column there carries this dictionary's description as field metadata.

## How to read the columns

- **Pseudonyms.** ` + "`person_key`" + ` (from id_number), ` + "`household_key`" + ` (from household_id) and
  ` + "`record_key_hash`" + ` (from a source's record key) are hex(HMAC-SHA-256(salt, value)), 64 hex
  digits: the same person has the same key in every table, so keys join across
  tables, but they cannot be turned back without the salt, which analysts never
  see. Changing the salt (` + "`clickhouse.pseudonym_salt`" + `) changes every key.
  Until migration 0080 the keys were 32-digit MD5(salt ‖ value); 0080 recomputed
  every key, so keys saved outside ClickHouse before it (exported files,
  notebooks) no longer match: export them again.
- **Time.** Instants (` + "`DateTime`" + `) are UTC. Beside each one the views have its
  calendar day in China Standard Time (Asia/Shanghai, UTC+8): group and filter by
  that Date column (table below). ` + "`toDate(source_time)`" + ` would put a record changed at
  07:30 China time on the previous day. In the ` + "`_history`" + ` tables use
  ` + "`toDate(source_time, 'Asia/Shanghai')`" + `.
- **Calendar dates** (since, period_start, registered_at, ...) are text
  ` + "`YYYY-MM-DD`" + ` (` + "`''`" + ` = unknown), because people were born before 1970, where
  ClickHouse 18.16's ` + "`Date`" + ` begins; they compare correctly as text. Months
  (employment.period) are the ` + "`Date`" + ` of their first day.
- **Money** is integer fen (1/100 yuan): ` + "`gross_income_fen / 100`" + ` is yuan.
- **Current and history.** A dataset's view (` + "`person`" + `, ` + "`employment`" + `, ...) shows each
  source record's latest version, deletes left out; its ` + "`_history`" + ` table every
  version, for "as of" questions (` + "`residenthub export -as-of D`" + ` does that for you).
  Different sources may each hold a record of one person: ` + "`resident`" + ` gives one row
  per person, ` + "`household`" + ` one per household.
- **Small counts.** A figure meant for publication must not count fewer than 5
  households: ` + "`community_published`" + ` holds the common counts per community with such
  cells set to NULL. For your own aggregates, count the households behind each
  cell and suppress the same way:
  ` + "`if(uniqExact(household_key) < 5, NULL, count())`" + `. Suppression is primary only: do
  not publish a total beside suppressed cells (the difference reveals them).
`
