package profile

import (
	"sort"

	"github.com/residenthub/residenthub/eligibility"
)

// Input adapts the household to the rules engine: every member (applicant
// included, with its identity conflicts: field and sources, no values) and
// the dataset-wide freshness as of the read date.
func (h *Household) Input() eligibility.Input {
	in := eligibility.Input{Datasets: datasetStatus(h.Freshness)}
	if h.Applicant != nil {
		in.Applicant = h.Applicant.IDNumber
	}
	for _, m := range h.Members {
		in.Members = append(in.Members, member(m))
	}
	return in
}

// Input adapts a single resident to the rules engine (a household of one:
// enough for programs whose scope is the applicant).
func (r *Resident) Input() eligibility.Input {
	return eligibility.Input{Applicant: r.IDNumber, Members: []eligibility.Member{member(r)}, Datasets: datasetStatus(r.Freshness)}
}

func datasetStatus(f map[string]Freshness) map[string]eligibility.DatasetStatus {
	out := make(map[string]eligibility.DatasetStatus, len(f))
	for name, v := range f {
		out[name] = eligibility.DatasetStatus{Rows: v.DatasetRows, LatestSourceTime: v.DatasetSourceTime, LatestIngestTime: v.DatasetIngestTime}
	}
	return out
}

func ev(e Evidence) eligibility.Evidence {
	return eligibility.Evidence{Dataset: e.Dataset, Source: e.Source, RecordKey: e.RecordKey, SourceTime: e.SourceTime}
}

func member(r *Resident) eligibility.Member {
	m := eligibility.Member{IDNumber: r.IDNumber}
	if p := r.Person; p != nil {
		m.Person = &eligibility.Person{
			Name: p.Name, Sex: p.Sex, BirthDate: p.BirthDate.Time, HouseholdID: p.HouseholdID,
			RelationToHead: p.RelationToHead, HukouDivision: p.HukouDivision, HukouAddress: p.HukouAddress,
			Status: p.Status, Evidence: ev(p.Evidence),
		}
	}
	for _, c := range r.IdentityConflicts {
		m.IdentityConflicts = append(m.IdentityConflicts, eligibility.IdentityConflict{Field: c.Field, Sources: conflictSources(c)})
	}
	for _, x := range r.Residences {
		m.Residences = append(m.Residences, eligibility.Residence{Address: x.Address, CommunityCode: x.CommunityCode, Since: x.Since.Time, EvidenceKind: x.EvidenceKind, Evidence: ev(x.Evidence)})
	}
	for _, x := range r.SocialInsurance {
		m.SocialInsurance = append(m.SocialInsurance, eligibility.SocialInsurance{InsuranceType: x.InsuranceType, Status: x.Status, MonthlyPensionFen: x.MonthlyPensionFen, Evidence: ev(x.Evidence)})
	}
	for _, x := range r.Employment {
		m.Employment = append(m.Employment, eligibility.Employment{Period: x.Period.Time, GrossIncomeFen: x.GrossIncomeFen, IncomeKind: x.IncomeKind, Evidence: ev(x.Evidence)})
	}
	for _, x := range r.Health {
		m.Health = append(m.Health, eligibility.Health{DisabilityCategory: x.DisabilityCategory, DisabilityGrade: int64(x.DisabilityGrade), MajorIllness: x.MajorIllness, Evidence: ev(x.Evidence)})
	}
	for _, x := range r.Assets {
		m.Assets = append(m.Assets, eligibility.Asset{AssetKind: x.AssetKind, ValueFen: x.ValueFen, Evidence: ev(x.Evidence)})
	}
	return m
}

// conflictSources lists the sources of a conflict's values, sorted (the
// values stay out of eligibility.Input).
func conflictSources(c IdentityConflict) []string {
	out := make([]string, 0, len(c.Values))
	for src := range c.Values {
		out = append(out, src)
	}
	sort.Strings(out)
	return out
}
