package profile

import (
	"errors"
	"time"
)

// ErrNotFound is returned by Reader.Resident and Reader.Household when no
// current (as of the requested date, not deleted) person record exists for
// the ID number.
var ErrNotFound = errors.New("person not found")

// Dataset names read by this package (tables of schema/migrations/0001).
const (
	DatasetPerson          = "person"
	DatasetResidence       = "residence"
	DatasetSocialInsurance = "social_insurance"
	DatasetEmployment      = "employment"
	DatasetHealth          = "health"
	DatasetAsset           = "asset"
)

// Datasets lists the profile datasets a Resident carries, in read order.
var Datasets = []string{DatasetPerson, DatasetResidence, DatasetSocialInsurance, DatasetEmployment, DatasetHealth, DatasetAsset}

// Evidence names where one fact came from: the dataset (table), the
// department source, the source's record key, when the source changed the
// record (SourceTime) and when the hub stored it (IngestTime). Both times UTC.
// SourceName is the department's display name, filled in by the API.
type Evidence struct {
	Dataset    string    `json:"dataset"`
	Source     string    `json:"source"`
	SourceName string    `json:"source_name,omitempty"`
	RecordKey  string    `json:"record_key"`
	SourceTime time.Time `json:"source_time"`
	IngestTime time.Time `json:"ingest_time"`
}

// Person is the current household-registration (户籍) record of one person.
// Calendar dates are Dates (JSON "2006-01-02", null when unknown).
type Person struct {
	IDNumber       string   `json:"id_number"`        // GB 11643-1999, 18 chars
	Name           string   `json:"name"`             // sensitive
	Sex            string   `json:"sex"`              // GB/T 2261.1 code
	BirthDate      Date     `json:"birth_date"`       // calendar date
	Ethnicity      string   `json:"ethnicity"`        // GB 3304 code
	HouseholdID    string   `json:"household_id"`     // 户号
	RelationToHead string   `json:"relation_to_head"` // GB/T 4761 code
	HukouDivision  string   `json:"hukou_division"`   // GB/T 2260 code, 6/9/12 digits
	HukouAddress   string   `json:"hukou_address"`    // sensitive
	Status         string   `json:"status"`           // normal, deceased, moved_out
	Phone          string   `json:"phone"`            // sensitive
	Evidence       Evidence `json:"evidence"`
}

// Residence is one current actual-residence record (access control, rental
// registration, ...).
type Residence struct {
	IDNumber      string   `json:"id_number"`
	Address       string   `json:"address"`        // sensitive
	CommunityCode string   `json:"community_code"` // GB/T 2260 extended, 12 digits
	Since         Date     `json:"since"`          // calendar date
	EvidenceKind  string   `json:"evidence_kind"`  // access_control, rental_registration, property, other
	Evidence      Evidence `json:"evidence"`
}

// SocialInsurance is one current social-insurance record. Money in fen.
type SocialInsurance struct {
	IDNumber            string   `json:"id_number"`
	InsuranceType       string   `json:"insurance_type"` // pension, medical, unemployment, work_injury, maternity
	Status              string   `json:"status"`         // active, suspended, terminated, receiving
	EmployerCreditCode  string   `json:"employer_credit_code"`
	ContributionBaseFen int64    `json:"contribution_base_fen"`
	MonthlyPensionFen   int64    `json:"monthly_pension_fen"`
	PeriodStart         Date     `json:"period_start"` // calendar date
	PeriodEnd           Date     `json:"period_end"`   // calendar date
	Evidence            Evidence `json:"evidence"`
}

// Employment is one current payroll record: gross income of one month.
type Employment struct {
	IDNumber           string   `json:"id_number"`
	EmployerCreditCode string   `json:"employer_credit_code"`
	EmployerName       string   `json:"employer_name"`
	Period             Date     `json:"period"`           // 1st of the month, UTC midnight
	GrossIncomeFen     int64    `json:"gross_income_fen"` // fen
	IncomeKind         string   `json:"income_kind"`      // wage, other
	Evidence           Evidence `json:"evidence"`
}

// Health is one current health-commission record.
type Health struct {
	IDNumber           string    `json:"id_number"`
	HealthCodeColour   string    `json:"health_code_colour"` // green, yellow, red
	HealthCodeTime     time.Time `json:"health_code_time"`   // instant, UTC
	DisabilityCategory string    `json:"disability_category"`
	DisabilityGrade    int32     `json:"disability_grade"` // 1 (most severe) .. 4; 0 = none
	MajorIllness       bool      `json:"major_illness"`
	Evidence           Evidence  `json:"evidence"`
}

// Asset is one current registered asset. Money in fen.
type Asset struct {
	IDNumber     string   `json:"id_number"`
	AssetKind    string   `json:"asset_kind"` // real_estate, vehicle, deposit, other
	ValueFen     int64    `json:"value_fen"`
	RegisteredAt Date     `json:"registered_at"` // calendar date
	Evidence     Evidence `json:"evidence"`
}

// Freshness says how current one dataset is, as of the date read.
type Freshness struct {
	Dataset string `json:"dataset"`
	// Records is the number of current records of the persons read.
	Records int `json:"records"`
	// LatestSourceTime and LatestIngestTime are the latest source_time and
	// ingest_time of the persons' rows with source_time <= as-of (zero if none).
	LatestSourceTime time.Time `json:"latest_source_time"`
	LatestIngestTime time.Time `json:"latest_ingest_time"`
	// DatasetRows is the number of rows (record versions; replays not yet
	// merged by ClickHouse count twice) of the whole dataset with
	// source_time <= as-of; 0 means the dataset was never loaded (as of then).
	DatasetRows int64 `json:"dataset_rows"`
	// DatasetSourceTime is the latest source_time <= as-of of the whole
	// dataset; DatasetIngestTime the latest ingest_time <= as-of. Both are
	// cached for up to CacheTTL, so loads of the last few seconds may be missed.
	DatasetSourceTime time.Time `json:"dataset_source_time"`
	DatasetIngestTime time.Time `json:"dataset_ingest_time"`
}

// Identity fields whose disagreement between sources is an identity
// conflict (the pipelines' identity_conflict table compares the same).
const (
	ConflictName      = "name"
	ConflictBirthDate = "birth_date"
)

// IdentityConflict is one identity field on which the current person records
// of two or more sources for one ID number disagree, as of the date read: a
// different person may have been registered under this ID number (a typo, or
// a false identity), so neither value can be trusted until a caseworker
// resolves it.
//
// Values maps each source with a known value (non-empty name, known birth
// date) to its value: the name as normalized, or the birth date
// "2006-01-02". Values are SENSITIVE (names and birth dates of possibly two
// persons): mask them by role as Person.Name and Person.BirthDate are.
type IdentityConflict struct {
	Field  string            `json:"field"`  // ConflictName or ConflictBirthDate
	Values map[string]string `json:"values"` // source → value; sensitive
}

// Resident is one person's profile as of a date: the current person record
// and every current (not deleted, latest source_time <= as-of per source
// record) fact of each dataset. Slices are sorted by source, record key.
type Resident struct {
	IDNumber string    `json:"id_number"`
	AsOf     time.Time `json:"as_of"`
	// Person is the current person record; when several sources hold one,
	// the one with the latest source_time. nil: no current person record.
	Person *Person `json:"person"`
	// IdentityConflicts lists the identity fields (name, birth date) on
	// which the sources' current person records disagree, sorted by Field;
	// empty when they agree. Person then shows only one of the versions, so
	// a name check against Person.Name proves nothing, and eligibility
	// answers needs_review (Input carries the conflicts). Sensitive values.
	IdentityConflicts []IdentityConflict `json:"identity_conflicts,omitempty"`
	Residences        []Residence        `json:"residences"`
	SocialInsurance   []SocialInsurance  `json:"social_insurance"`
	Employment        []Employment       `json:"employment"`
	Health            []Health           `json:"health"`
	Assets            []Asset            `json:"assets"`
	// Freshness per dataset name (all of Datasets), for this person only
	// (Records, LatestSourceTime, LatestIngestTime) plus the dataset-wide values.
	Freshness map[string]Freshness `json:"freshness"`
}

// Household is an applicant and the other persons whose current person record
// carries the same household_id, as of a date.
type Household struct {
	HouseholdID string    `json:"household_id"`
	AsOf        time.Time `json:"as_of"`
	// Applicant is also one of Members.
	Applicant *Resident `json:"applicant"`
	// Members are all persons currently registered in the household, any
	// status (normal, deceased, moved_out), applicant included, sorted by
	// id_number. Programs decide who counts (dibao: status normal).
	Members []*Resident `json:"members"`
	// Freshness per dataset over all members (Records and Latest* summed /
	// maximised over members) plus the dataset-wide values.
	Freshness map[string]Freshness `json:"freshness"`
}
