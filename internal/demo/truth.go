package demo

// Truth is what Generate generated, written to truth.json: the canonical
// values the hub must arrive at after normalization, the records it must
// reject, the row counts it must load, and each household's expected dibao
// decision on AsOf. Dates are "yyyy-mm-dd", money is fen (int64).
type Truth struct {
	Seed     int64  `json:"seed"`
	AsOf     string `json:"as_of"`    // check date D
	District string `json:"district"` // 110105
	// Dibao parameters used (team brief; Beijing rows of dibao_standards.tsv).
	StandardFen int64 `json:"standard_fen"` // in force on AsOf, per person per month
	// StandardOverdue: the standard in force on AsOf is past its review
	// horizon (dibao.yaml parameter_review), so no household is eligible.
	StandardOverdue    bool     `json:"standard_overdue"`
	IncomeMonths       []string `json:"income_months"` // "2006-01", months D-6..D-1
	DepositLimitMonths int      `json:"deposit_limit_months"`
	MaxRealEstate      int      `json:"max_real_estate"`
	MaxVehicles        int      `json:"max_vehicles"`

	Files   []File                  `json:"files"`
	Counts  map[string]DatasetCount `json:"counts"` // by dataset name
	Summary Summary                 `json:"summary"`
	// Hotline is each community's expected top problems of the year.
	Hotline    *HotlineTruth   `json:"hotline"`
	Invalid    []InvalidRecord `json:"invalid"`
	Households []Household     `json:"households"`
	Residents  []Resident      `json:"residents"`
}

// File is one extract written under Options.Dir.
type File struct {
	Source   string `json:"source"`  // config source name = drop folder
	Dataset  string `json:"dataset"` // canonical dataset
	Path     string `json:"path"`    // relative to Options.Dir, slash-separated
	Format   string `json:"format"`  // csv, jsonl, xlsx
	Encoding string `json:"encoding"`
	Records  int    `json:"records"` // data rows/lines, duplicates and invalid ones included
}

// DatasetCount are the expected rows of one dataset after loading its
// source's extract.
type DatasetCount struct {
	Source     string `json:"source"`
	Records    int    `json:"records"`    // data rows in the file
	Duplicates int    `json:"duplicates"` // exact duplicate rows (collapse into the first)
	Invalid    int    `json:"invalid"`    // rejected to the DLQ
	// Rows = Records - Duplicates - Invalid: rows in the table read with
	// FINAL (every version of a record is one row).
	Rows int `json:"rows"`
	// Current is the number of distinct record keys (current records); less
	// than Rows where a record has several versions.
	Current int `json:"current"`
	// LatestSourceTime is the latest source_time among the loaded rows (the
	// department's change time as written, China time), RFC 3339 UTC.
	LatestSourceTime string `json:"latest_source_time"`
}

// Summary counts the truth.
type Summary struct {
	Residents  int            `json:"residents"`  // person records loaded (all statuses)
	Households int            `json:"households"` // distinct household_id
	ByStatus   map[string]int `json:"by_status"`
	Decisions  map[string]int `json:"decisions"` // dibao decision → households
	// RulesDecisions counts what the rules alone decide (Household.RulesDecision).
	RulesDecisions map[string]int `json:"rules_decisions"`
	Aged80Plus     int            `json:"aged_80_plus"`
	Aged90Plus     int            `json:"aged_90_plus"`
	Aged100Plus    int            `json:"aged_100_plus"`
	Disabled       int            `json:"disabled"`
	Invalid        int            `json:"invalid"`
}

// InvalidRecord is a department record the pipelines must reject.
type InvalidRecord struct {
	Source    string `json:"source"`
	Dataset   string `json:"dataset"`
	File      string `json:"file"` // relative to Options.Dir
	Line      int    `json:"line"` // 1-based line (CSV, JSON lines; the header is line 1 of a CSV) or sheet row (xlsx, header row 1)
	RecordKey string `json:"record_key"`
	Field     string `json:"field"`  // canonical field at fault
	Reason    string `json:"reason"` // category: "id_number check digit", "birth date", "empty name", ...
	Value     string `json:"value"`  // the offending value as written
}

// Household is one household's expected dibao check on AsOf.
type Household struct {
	HouseholdID string `json:"household_id"`
	Archetype   string `json:"archetype"`    // how it was generated (informative)
	ApplicantID string `json:"applicant_id"` // the head (relation 02)
	// Members are the persons counted (status normal); NotCounted are the
	// deceased and moved-out persons with the same household_id.
	Members    []string       `json:"members"`
	NotCounted []string       `json:"not_counted,omitempty"`
	Incomes    []MemberIncome `json:"incomes"`

	IncomeFen          int64 `json:"income_fen"`            // household monthly income, sum over members
	PerCapitaIncomeFen int64 `json:"per_capita_income_fen"` // IncomeFen / len(Members), integer division
	StandardFen        int64 `json:"standard_fen"`
	DepositsFen        int64 `json:"deposits_fen"`
	DepositLimitFen    int64 `json:"deposit_limit_fen"` // standard × 24 × members
	RealEstate         int   `json:"real_estate"`
	Vehicles           int   `json:"vehicles"`

	Decision string `json:"decision"` // eligible, ineligible, needs_review: what the hub answers
	// RulesDecision is what the rules alone decide; Decision differs when
	// the standard is overdue for review (Truth.StandardOverdue): then a
	// household the rules find eligible is needs_review, AllowanceFen its
	// provisional allowance.
	RulesDecision string   `json:"rules_decision"`
	FailedRules   []string `json:"failed_rules,omitempty"`
	ReviewRules   []string `json:"review_rules,omitempty"`
	ReviewMembers []string `json:"review_members,omitempty"` // id numbers of the flagged members
	AllowanceFen  int64    `json:"allowance_fen"`            // (standard − per-capita) × members when eligible
}

// MemberIncome is one counted member's monthly income.
type MemberIncome struct {
	IDNumber   string `json:"id_number"`
	Employment int64  `json:"employment_fen"`         // sum over the 6 income months
	Monthly    int64  `json:"employment_monthly_fen"` // Employment / 6, integer division
	Pension    int64  `json:"pension_fen"`            // current pension rows being received
	Income     int64  `json:"income_fen"`             // Monthly + Pension
}

// Resident is one person record as the hub must store it.
type Resident struct {
	IDNumber       string `json:"id_number"` // 18 characters, normalized
	Name           string `json:"name"`      // normalized (middle dot U+00B7)
	Sex            string `json:"sex"`       // GB/T 2261.1
	BirthDate      string `json:"birth_date"`
	Ethnicity      string `json:"ethnicity"` // GB 3304
	HouseholdID    string `json:"household_id"`
	RelationToHead string `json:"relation_to_head"` // GB/T 4761
	HukouDivision  string `json:"hukou_division"`
	HukouAddress   string `json:"hukou_address"`
	Status         string `json:"status"` // normal, deceased, moved_out
	Phone          string `json:"phone,omitempty"`
	// IDWritten says how the hukou extract wrote the number: "18", "15"
	// (first generation), "full_width", "lower_x".
	IDWritten string `json:"id_written"`
	Age       int    `json:"age"` // on AsOf

	Residence *ResidenceTruth `json:"residence,omitempty"`

	HasHealthRecord    bool   `json:"has_health_record"`
	DisabilityCategory string `json:"disability_category,omitempty"`
	DisabilityGrade    int    `json:"disability_grade"`
	MajorIllness       bool   `json:"major_illness"`
	// ElderlyAllowanceFen per the brief: status normal, hukou "11", 80–89 →
	// 10000, 90–99 → 50000, 100+ → 80000 fen a month; else 0.
	ElderlyAllowanceFen int64 `json:"elderly_allowance_fen"`
}

// ResidenceTruth is a person's current residence record.
type ResidenceTruth struct {
	Address       string `json:"address"`
	CommunityCode string `json:"community_code"`
	Since         string `json:"since"`
	EvidenceKind  string `json:"evidence_kind"`
	InDistrict    bool   `json:"in_district"` // community_code starts with 110105
}
