// Package eligibility is the rules engine: programs are data (one YAML file
// each, embedded from programs/), rules are CEL expressions
// (github.com/google/cel-go) over the applicant, their household and the
// parameters in force on the check date. The package is pure: no I/O besides
// reading the program files it is given. Dependencies point one way: api →
// eligibility → facts → schema; eligibility never imports profile (the
// ClickHouse reader), and profile never imports eligibility.
package eligibility

import (
	"encoding/json"
	"time"

	"github.com/residenthub/residenthub/facts"
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
// dataset is. The API builds it from a profile.Household (read from
// ClickHouse); program files' test cases decode it from YAML. Members'
// records are facts.Records (derived from schema: every field of every
// profile dataset reaches the rules, see memberValue).
type Input struct {
	// Applicant is the applicant's ID number. When no member has it (or that
	// member has no Person), the applicant counts as not found.
	Applicant string `json:"applicant" yaml:"applicant"`
	// Members are everyone currently registered in the applicant's household
	// (any status), applicant included. Single-person programs only look at
	// the applicant. Programs decide who counts (dibao: status normal).
	Members []facts.Member `json:"members" yaml:"household"`
	// Datasets says, per dataset name, whether and when it was loaded, as of
	// the check date. A dataset a program needs that is absent here (or has
	// Rows 0) is missing; one older than the program's max_age is stale.
	Datasets map[string]DatasetStatus `json:"datasets" yaml:"datasets"`
}

// DatasetStatus is how current a whole dataset is, as of the check date
// (facts.DatasetStatus).
type DatasetStatus = facts.DatasetStatus

// NewInput returns the input of a check: the applicant's ID number, the
// household's members and the datasets' status, as profile.(*Household).Facts
// and profile.(*Resident).Facts return them.
func NewInput(applicant string, members []facts.Member, datasets map[string]DatasetStatus) Input {
	return Input{Applicant: applicant, Members: members, Datasets: datasets}
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
