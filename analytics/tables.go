package analytics

// The analytics tables that are not a dataset's: what the hub received per
// source, identity conflicts, and the helper views (migrations 0051, 0052).

const (
	intakeOrigin   = "hub bookkeeping: pipelines' loads and rejects"
	conflictOrigin = "hub bookkeeping: pipelines' identity_conflict"
)

func keyColumn(name, what, origin string) Column {
	return Column{Name: name, Type: "String", Description: what, Unit: "64 hex digits ('' = none)", Origin: origin, Deidentification: "pseudonym"}
}

func textColumn(name, what, unit, origin, deid string) Column {
	return Column{Name: name, Type: "String", Description: what, Unit: unit, Origin: origin, Deidentification: deid}
}

func typed(name, typ, what, unit, origin, deid string) Column {
	return Column{Name: name, Type: typ, Description: what, Unit: unit, Origin: origin, Deidentification: deid}
}

func intakeColumns(view bool) []Column {
	cols := []Column{
		textColumn("source", "The configured source the message came from.", "", intakeOrigin, "copied"),
		textColumn("dataset", "The canonical dataset the source feeds.", "", intakeOrigin, "copied"),
		textColumn("outcome", "loaded, or rejected (to Kafka dlq.<source>, with the field and reason).", "one of loaded, rejected", intakeOrigin, Derived),
		keyColumn("record_key_hash", "The source record (pseudonym of its record key).", intakeOrigin),
		textColumn("topic", "Kafka topic the message was read from (raw.<source>).", "", intakeOrigin, "copied"),
		typed("kafka_partition", "Int32", "Kafka partition of the message.", "", intakeOrigin, "copied"),
		typed("kafka_offset", "Int64", "Kafka offset of the message; (topic, kafka_partition, kafka_offset) identifies it.", "", intakeOrigin, "copied"),
		textColumn("field", "For a rejection: the canonical field at fault ('' when loaded).", "", intakeOrigin, "copied"),
		textColumn("reason", "For a rejection: why, in English, without the value ('' when loaded).", "", intakeOrigin, "copied"),
		typed("message_time", "DateTime", "When the message was published to Kafka (the connector read or received the record).", "instant, UTC", intakeOrigin, "copied"),
	}
	if !view {
		return append(cols, typed("recorded_at", "DateTime", "When the pipelines recorded this outcome (a replay keeps the newest).", "instant, UTC", intakeOrigin, "copied"))
	}
	// The view lists the message's identity first.
	order := []string{"source", "topic", "kafka_partition", "kafka_offset", "dataset", "record_key_hash", "outcome", "field", "reason", "message_time"}
	byName := map[string]Column{}
	for _, c := range cols {
		byName[c.Name] = c
	}
	out := make([]Column, 0, len(order)+1)
	for _, n := range order {
		out = append(out, byName[n])
	}
	return append(out, localDate("message_date", "message_time"))
}

func conflictColumns(view bool) []Column {
	cols := []Column{
		keyColumn("person_key", "The person two departments disagree about.", conflictOrigin),
		textColumn("field", "What they disagree on: name or birth_date (the values are not copied).", "one of name, birth_date", conflictOrigin, "copied"),
		textColumn("source_a", "One source (source_a < source_b, so each pair is listed one way).", "", conflictOrigin, "copied"),
		keyColumn("record_key_hash_a", "The record of source_a.", conflictOrigin),
		textColumn("source_b", "The other source.", "", conflictOrigin, "copied"),
		keyColumn("record_key_hash_b", "The record of source_b.", conflictOrigin),
		typed("detected_at", "DateTime", "When the pipelines (last) detected the disagreement: the Kafka time of the record that revealed it.", "instant, UTC", conflictOrigin, "copied"),
	}
	if view {
		cols = append(cols, localDate("detected_date", "detected_at"))
	}
	return cols
}

const (
	residentOrigin  = "view person (latest record across sources) and view residence"
	householdOrigin = "view resident"
	publishedOrigin = "views resident, household and health"
	suppressed      = "count; NULL when the cell counts fewer than 5 households"
	caseOrigin      = "view hotline_ticket (12345 citizen hotline)"
	parameterOrigin = "the eligibility program files, published by the API (migration 0120)"
)

func extraTables() []Table {
	return []Table{
		{Name: "intake_history", Engine: "ReplacingMergeTree", Columns: intakeColumns(false),
			Description: "Every outcome of every Kafka message the pipelines read: loaded or rejected. Read the view intake instead."},
		{Name: "intake", Engine: "View", Columns: intakeColumns(true),
			Description: "One row per Kafka message the pipelines read, with its outcome: what each source delivered and what was rejected. " +
				"A message rejected and, after a fix, replayed and loaded counts as loaded. Rejection rate of a source = countIf(outcome = 'rejected') / count(). " +
				"Records a connector could not make a record of (no key value, unreadable change time, malformed pushed line) never reach Kafka raw.<source>: they are in dlq.<source> only, not here."},
		{Name: "identity_conflict_history", Engine: "ReplacingMergeTree", Columns: conflictColumns(false),
			Description: "Every identity conflict the pipelines detected. Read the view identity_conflict instead."},
		{Name: "identity_conflict", Engine: "View", Columns: conflictColumns(true),
			Description: "Identity conflicts between departments: one ID number, two sources, a different name or birth date. " +
				"Detected conflicts stay listed after a department corrects its record (the hub's profile shows whether one is still open)."},
		{Name: "resident", Engine: "View", Description: "One row per person: their latest person record across sources, " +
			"with the community of their latest residence record. Start here for counts of people.",
			Columns: []Column{
				keyColumn("person_key", "The person.", residentOrigin),
				keyColumn("household_key", "Their household (户).", residentOrigin),
				textColumn("sex", "Sex.", codeStandards["gb2261_1_sex"], residentOrigin, "copied"),
				typed("birth_year", "UInt16", "Year of birth.", "year (0 = unknown)", residentOrigin, "year only"),
				textColumn("ethnicity", "Ethnic group.", codeStandards["gb3304_ethnicity"], residentOrigin, "copied"),
				textColumn("relation_to_head", "Relation to the head of the household (02 = the head).", codeStandards["gbt4761_family_relationship"], residentOrigin, "copied"),
				textColumn("hukou_division", "Division of the household registration.", "GB/T 2260 division code (6, 9 or 12 digits)", residentOrigin, "copied"),
				textColumn("status", "normal, deceased or moved_out; only normal members count.", "one of normal, deceased, moved_out", residentOrigin, "copied"),
				textColumn("community_code", "Community of their latest residence record ('' = no residence record).", "12-digit division code", residentOrigin, "copied"),
			}},
		{Name: "household", Engine: "View", Description: "One row per household (household_key).",
			Columns: []Column{
				keyColumn("household_key", "The household.", householdOrigin),
				typed("members", "UInt64", "Counted members: persons with status normal (as the dibao program counts them).", "persons", householdOrigin, Derived),
				typed("persons", "UInt64", "Everyone filed under the household, deceased and moved-out persons included.", "persons", householdOrigin, Derived),
				textColumn("community_code", "The community most counted members live in, by their residence records (ties: the smaller code; '' = none has one). Group households by this.",
					"12-digit division code", householdOrigin, Derived),
			}},
		{Name: "hotline_case", Engine: "View", Description: "One row per 12345 problem case: repeated calls counted once — tickets with one case_id are one case; " +
			"tickets by one caller_key with one category in one community_code are one case while each comes within 30 days of the previous one; " +
			"anonymous tickets are one case each (the hub's rule, package hotline). The problem kinds, committees and the area/address → community " +
			"mapping are the hub's configuration, applied by GET /v1/hotline/top-problems, not here.",
			Columns: []Column{
				textColumn("case_key", "The case: a hash of its case_id, or of caller, category and community, or of the ticket (changes when a later call splits or joins cases).", "16 hex digits", caseOrigin, Derived),
				textColumn("community_code", "Community of the first call, as delivered ('' = the ticket named only an area or address).", "12-digit division code", caseOrigin, "copied"),
				textColumn("category", "The hotline's category (诉求类别) of the first call.", "", caseOrigin, "copied"),
				keyColumn("caller_key", "The caller of a case grouped by caller ('' for case ids and anonymous tickets).", caseOrigin),
				typed("opened", "DateTime", "The first call.", "instant, UTC", caseOrigin, "copied"),
				localDate("opened_date", "opened"),
				typed("calls", "UInt64", "Tickets of the case.", "tickets", caseOrigin, Derived),
				textColumn("status", "Status of the latest call's ticket.", "one of open, in_progress, closed", caseOrigin, "copied"),
				typed("resolved", "UInt8", "1 when the latest call's ticket is closed.", "1 = resolved, 0 = not", caseOrigin, Derived),
				typed("closed_time", "DateTime", "When the latest call's ticket was closed (1970-01-01 when open or unknown).", "instant, UTC", caseOrigin, "copied"),
				localDate("closed_date", "closed_time"),
				typed("days_to_close", "Nullable(Float64)", "Days from the first call to the close (NULL when not resolved or no closed time).", "days", caseOrigin, Derived),
			}},
		{Name: "program_parameter_history", Engine: "ReplacingMergeTree", Columns: parameterColumns(false),
			Description: "Every publication of the eligibility programs' parameters by the hub's API. Read the view program_parameter instead."},
		{Name: "program_parameter", Engine: "View", Description: "The eligibility programs' effective-dated parameters (the dibao standard, asset limits, ...) as the hub's API runs them, " +
			"published at its start (each program's latest publication only). Read the value in force on a day from here instead of typing it into a query: " +
			"argMax(value, effective_from) … WHERE program = 'dibao' AND parameter = 'standard_fen' AND effective_from <= day.",
			Columns: parameterColumns(true)},
		{Name: "community_published", Engine: "View", Description: "Counts per community meant for publication, with small-count suppression: " +
			"every cell that counts fewer than 5 households is NULL. People are counted members (status normal), placed in the community of their household.",
			Columns: []Column{
				textColumn("community_code", "Community of the household ('' = unknown).", "12-digit division code", publishedOrigin, Derived),
				typed("households", "Nullable(UInt64)", "Households.", suppressed, publishedOrigin, Derived),
				typed("residents", "Nullable(UInt64)", "Counted members of those households.", suppressed+" (of the community's households)", publishedOrigin, Derived),
				typed("aged_80_plus", "Nullable(UInt64)", "Members turning 80 or older this year (China time), by birth year.", suppressed+" with such a member", publishedOrigin, Derived),
				typed("disabled", "Nullable(UInt64)", "Members with a disability grade.", suppressed+" with such a member", publishedOrigin, Derived),
			}},
	}
}

func parameterColumns(view bool) []Column {
	cols := []Column{
		textColumn("program", "The program's id (its YAML file: eligibility/programs/ or programs.dir).", "e.g. dibao", parameterOrigin, "copied"),
		textColumn("parameter", "The parameter's name in the program file.", "e.g. standard_fen", parameterOrigin, "copied"),
		typed("effective_from", "Date", "First day the value is in force; it holds until the next value's effective_from.", "calendar day", parameterOrigin, "copied"),
		textColumn("value", "The value as text: an integer in decimal (toInt64(value) for fen, months, counts), a text, or JSON for a list.", "unit as the parameter's name says (_fen: fen)", parameterOrigin, "copied"),
		textColumn("source_zh", "Where the value comes from (regulation, report), in Chinese.", "", parameterOrigin, "copied"),
		textColumn("source_en", "Where the value comes from, in English.", "", parameterOrigin, "copied"),
		typed("published_at", "DateTime", "When an API process published this set of the program's values.", "instant, UTC", parameterOrigin, "copied"),
	}
	if view {
		cols = append(cols, localDate("published_date", "published_at"))
	}
	return cols
}
