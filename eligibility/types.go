// Package eligibility is the rules engine: programs are data (one YAML file
// each, embedded from programs/), rules are CEL expressions
// (github.com/google/cel-go) over the applicant, their household and the
// parameters in force on the check date. The package is pure: no I/O besides
// reading the program files it is given. Dependencies point one way:
// api → profile (ClickHouse reader, and the adapter profile.(*Household).Input)
// → eligibility; eligibility never imports profile.
package eligibility

import (
	"encoding/json"
	"time"
)

// Decisions a check returns.
const (
	Eligible    = "eligible"
	Ineligible  = "ineligible"
	NeedsReview = "needs_review"
)

// Outcomes of one rule.
const (
	Pass    = "pass"    // expression true
	Fail    = "fail"    // requirement false
	Review  = "review"  // review flag false
	Unknown = "unknown" // expression could not be evaluated (missing value, error, cost limit)
)

// Rule kinds.
const (
	// KindRequirement: false makes the decision ineligible.
	KindRequirement = "requirement"
	// KindReviewFlag: false makes the decision needs_review (never ineligible).
	KindReviewFlag = "review_flag"
)

// Evidence names the record behind a value: dataset, department source,
// source record key and when the source changed it (UTC). SourceName is the
// department's display name (config sources[].display_name), filled in by
// the API; empty when none is configured.
type Evidence struct {
	Dataset    string    `json:"dataset" yaml:"dataset"`
	Source     string    `json:"source" yaml:"source"`
	SourceName string    `json:"source_name,omitempty" yaml:"-"`
	RecordKey  string    `json:"record_key" yaml:"record_key"`
	SourceTime time.Time `json:"source_time" yaml:"source_time"`
}

// Input is what a check sees: the applicant's household and how current each
// dataset is. Build it with profile.(*Household).Input (from ClickHouse) or
// decode it from a program file's test case. Calendar dates are UTC midnight.
type Input struct {
	// Applicant is the applicant's ID number. When no member has it (or that
	// member has no Person), the applicant counts as not found.
	Applicant string `json:"applicant" yaml:"applicant"`
	// Members are everyone currently registered in the applicant's household
	// (any status), applicant included. Single-person programs only look at
	// the applicant. Programs decide who counts (dibao: status normal).
	Members []Member `json:"members" yaml:"household"`
	// Datasets says, per dataset name, whether and when it was loaded, as of
	// the check date. A dataset a program needs that is absent here (or has
	// Rows 0) is missing; one older than the program's max_age is stale.
	Datasets map[string]DatasetStatus `json:"datasets" yaml:"datasets"`
}

// DatasetStatus is how current a whole dataset is, as of the check date.
type DatasetStatus struct {
	// Rows of the dataset with source_time <= the check date; 0 = not loaded.
	Rows int64 `json:"rows" yaml:"rows"`
	// LatestSourceTime / LatestIngestTime: latest source_time and ingest_time
	// (both <= the check date) of the dataset's rows, UTC. The dataset's age
	// is measured from the later of the two.
	LatestSourceTime time.Time `json:"latest_source_time" yaml:"latest_source_time"`
	LatestIngestTime time.Time `json:"latest_ingest_time" yaml:"latest_ingest_time"`
}

// Member is one person's current facts. Person is nil when the person has no
// current person record.
type Member struct {
	IDNumber        string            `json:"id_number" yaml:"id_number"`
	Person          *Person           `json:"person" yaml:"person"`
	Residences      []Residence       `json:"residences" yaml:"residences"`
	SocialInsurance []SocialInsurance `json:"social_insurance" yaml:"social_insurance"`
	Employment      []Employment      `json:"employment" yaml:"employment"`
	Health          []Health          `json:"health" yaml:"health"`
	Assets          []Asset           `json:"assets" yaml:"assets"`
	// IdentityConflicts are the identity fields on which the member's
	// current person records from different sources disagree (profile
	// fills them). A conflicted member in a program's scope makes the
	// decision needs_review, whatever the rules say.
	IdentityConflicts []IdentityConflict `json:"identity_conflicts,omitempty" yaml:"identity_conflicts"`
}

// IdentityConflict says that the sources' current person records of one ID
// number disagree on an identity field, so whose data the record holds is
// in doubt. It carries no values (they are sensitive; profile.Resident has
// them), only the field and which sources disagree.
type IdentityConflict struct {
	Field   string   `json:"field" yaml:"field"`     // "name" or "birth_date"
	Sources []string `json:"sources" yaml:"sources"` // the sources holding differing values
}

// Person is the household-registration record (dataset person).
type Person struct {
	Name           string    `json:"name" yaml:"name"`
	Sex            string    `json:"sex" yaml:"sex"`               // GB/T 2261.1
	BirthDate      time.Time `json:"birth_date" yaml:"birth_date"` // zero: taken from the ID number
	HouseholdID    string    `json:"household_id" yaml:"household_id"`
	RelationToHead string    `json:"relation_to_head" yaml:"relation_to_head"` // GB/T 4761
	HukouDivision  string    `json:"hukou_division" yaml:"hukou_division"`     // GB/T 2260
	HukouAddress   string    `json:"hukou_address" yaml:"hukou_address"`
	Status         string    `json:"status" yaml:"status"` // normal, deceased, moved_out
	Evidence       Evidence  `json:"evidence" yaml:"evidence"`
}

// Residence is an actual-residence record (dataset residence).
type Residence struct {
	Address       string    `json:"address" yaml:"address"`
	CommunityCode string    `json:"community_code" yaml:"community_code"`
	Since         time.Time `json:"since" yaml:"since"`
	EvidenceKind  string    `json:"evidence_kind" yaml:"evidence_kind"`
	Evidence      Evidence  `json:"evidence" yaml:"evidence"`
}

// SocialInsurance is a social-insurance record (dataset social_insurance). Fen.
type SocialInsurance struct {
	InsuranceType     string   `json:"insurance_type" yaml:"insurance_type"`
	Status            string   `json:"status" yaml:"status"`
	MonthlyPensionFen int64    `json:"monthly_pension_fen" yaml:"monthly_pension_fen"`
	Evidence          Evidence `json:"evidence" yaml:"evidence"`
}

// Employment is one month's payroll record (dataset employment). Fen.
type Employment struct {
	Period         time.Time `json:"period" yaml:"period"` // 1st of the month
	GrossIncomeFen int64     `json:"gross_income_fen" yaml:"gross_income_fen"`
	IncomeKind     string    `json:"income_kind" yaml:"income_kind"`
	Evidence       Evidence  `json:"evidence" yaml:"evidence"`
}

// Health is a health-commission record (dataset health).
type Health struct {
	DisabilityCategory string   `json:"disability_category" yaml:"disability_category"`
	DisabilityGrade    int64    `json:"disability_grade" yaml:"disability_grade"` // 1..4, 0 = none
	MajorIllness       bool     `json:"major_illness" yaml:"major_illness"`
	Evidence           Evidence `json:"evidence" yaml:"evidence"`
}

// Asset is a registered asset (dataset asset). Fen.
type Asset struct {
	AssetKind string   `json:"asset_kind" yaml:"asset_kind"` // real_estate, vehicle, deposit, other
	ValueFen  int64    `json:"value_fen" yaml:"value_fen"`
	Evidence  Evidence `json:"evidence" yaml:"evidence"`
}

// Decision is the answer of one check (Evaluate), ready to be served as JSON.
type Decision struct {
	Program string `json:"program"`
	Title   Text   `json:"title"` // the program's title, {en, zh}
	// Decision is Eligible, Ineligible or NeedsReview.
	Decision string `json:"decision"`
	// AsOf is the check instant; Date its calendar date in China Standard
	// Time ("2006-01-02"), the date parameters and ages are taken on.
	AsOf time.Time `json:"as_of"`
	Date string    `json:"date"`
	// Applicant is the applicant's masked ID number (normalize.MaskID).
	Applicant string `json:"applicant"`
	// Rules in program order, each with its outcome and the values it used.
	Rules []RuleResult `json:"rules"`
	// Parameters in force on Date, by name.
	Parameters map[string]ParameterValue `json:"parameters"`
	// Evidence behind the values: every record of the counted persons in the
	// program's datasets.
	Evidence []Evidence `json:"evidence"`
	// Missing names missing or stale datasets, parameters not in force,
	// rules that could not be evaluated and identity conflicts ("identity
	// conflict: name differs between sources a and b for member
	// 110105********1234"). Non-empty never goes with Eligible.
	Missing []string `json:"missing"`
	// Amounts are the program's outcome values (money in fen, or certificate
	// fields; may hold unmasked personal data — the API masks by role).
	// Computed only when the decision is not Ineligible.
	Amounts map[string]any `json:"amounts,omitempty"`
	// AmountsProvisional is true when the decision is NeedsReview: the
	// amounts show what the data would give, and nothing is payable until a
	// caseworker has reviewed the case.
	AmountsProvisional bool `json:"amounts_provisional,omitempty"`
	// Units of the program's parameters, rule values and outcomes (also
	// inside lists of member values), by name, from the program's labels:
	// fen_per_month, fen_per_person_per_month, fen_window_total (the sum
	// over the program's income window), fen (an amount, e.g. deposits),
	// months, years, persons, sets, vehicles, grade. Names without a unit
	// are counts, codes, dates or text.
	Units map[string]string `json:"units,omitempty"`
}

// RuleResult is one rule's outcome.
type RuleResult struct {
	ID          string         `json:"id"`
	Kind        string         `json:"kind"`
	Description Text           `json:"description"`
	Outcome     string         `json:"outcome"` // Pass, Fail, Review, Unknown
	Values      map[string]any `json:"values"`
	Error       string         `json:"error,omitempty"`
	// Evidence of the records in the datasets the rule uses.
	Evidence []Evidence `json:"evidence,omitempty"`
}

// ParameterValue is one effective-dated value of a program parameter.
// Source cites where the value comes from, in Chinese and English.
type ParameterValue struct {
	Value         any       `json:"value" yaml:"value"`
	EffectiveFrom time.Time `json:"effective_from" yaml:"effective_from"`
	Source        Text      `json:"source" yaml:"source"`
}

// MarshalJSON writes effective_from as a calendar date ("2006-01-02"), the
// way the program files and the API give dates.
func (p ParameterValue) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Value         any    `json:"value"`
		EffectiveFrom string `json:"effective_from"`
		Source        Text   `json:"source"`
	}{p.Value, p.EffectiveFrom.Format(time.DateOnly), p.Source})
}
