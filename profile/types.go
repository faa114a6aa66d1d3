package profile

import (
	"errors"
	"time"

	"github.com/residenthub/residenthub/facts"
)

// ErrNotFound is returned by Reader.Resident and Reader.Household when no
// current (as of the requested date, not deleted) person record exists for
// the ID number.
var ErrNotFound = errors.New("person not found")

// Datasets lists the profile datasets a Resident carries, in read order
// (schema.ProfileDatasets).
var Datasets = func() []string {
	var out []string
	for _, d := range facts.Defs() {
		out = append(out, d.Name)
	}
	return out
}()

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

// Resident is one person's profile as of a date: the current person record
// and every current (not deleted, latest source_time <= as-of per source
// record) record of each profile dataset (facts.Member: Person, Records,
// IdentityConflicts with their sensitive values), and how fresh each
// dataset is.
//
// When the sources' current person records disagree on an identity field
// (IdentityConflicts), Person shows only one of the versions, so a name
// check against it proves nothing, and eligibility answers needs_review.
type Resident struct {
	facts.Member
	AsOf time.Time
	// Freshness per dataset name (all of Datasets), for this person only
	// (Records, LatestSourceTime, LatestIngestTime) plus the dataset-wide values.
	Freshness map[string]Freshness
}

// Household is an applicant and the other persons whose current person record
// carries the same household_id, as of a date.
type Household struct {
	HouseholdID string
	AsOf        time.Time
	// Applicant is also one of Members.
	Applicant *Resident
	// Members are all persons currently registered in the household, any
	// status (normal, deceased, moved_out), applicant included, sorted by
	// id_number. Programs decide who counts (dibao: status normal).
	Members []*Resident
	// Freshness per dataset over all members (Records and Latest* summed /
	// maximised over members) plus the dataset-wide values.
	Freshness map[string]Freshness
}

// Facts returns the household as the rules read it (eligibility.NewInput):
// the applicant's ID number, every member's facts and each dataset's
// status as of the date read.
func (h *Household) Facts() (string, []facts.Member, map[string]facts.DatasetStatus) {
	members := make([]facts.Member, len(h.Members))
	for i, m := range h.Members {
		members[i] = m.Member
	}
	applicant := ""
	if h.Applicant != nil {
		applicant = h.Applicant.IDNumber
	}
	return applicant, members, datasetStatus(h.Freshness)
}

// Facts returns the resident as the rules read it: a household of one,
// enough for programs whose scope is the applicant.
func (r *Resident) Facts() (string, []facts.Member, map[string]facts.DatasetStatus) {
	return r.IDNumber, []facts.Member{r.Member}, datasetStatus(r.Freshness)
}

func datasetStatus(f map[string]Freshness) map[string]facts.DatasetStatus {
	out := make(map[string]facts.DatasetStatus, len(f))
	for name, v := range f {
		out[name] = facts.DatasetStatus{Rows: v.DatasetRows, LatestSourceTime: v.DatasetSourceTime, LatestIngestTime: v.DatasetIngestTime}
	}
	return out
}
