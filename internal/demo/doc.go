// Package demo generates the demo data set: department extracts for one
// synthetic city district (Beijing 朝阳区, division 110105) as departments
// really deliver them, and the truth the hub's answers are checked against.
//
// Generate writes, under Options.Dir:
//
//	drop/hukou/hukou_<date>.csv                 公安户籍, GBK CSV          → dataset person
//	drop/residence/residence_<date>.csv         门禁/出租登记, UTF-8 + BOM → dataset residence
//	drop/social_insurance/si_<date>.jsonl       人社, JSON lines           → dataset social_insurance
//	drop/payroll/payroll_<date>.xlsx            企业工资, Excel sheet 工资  → dataset employment
//	drop/health/health_<date>.csv               卫健, UTF-8 CSV            → dataset health
//	drop/asset/asset_<date>.jsonl               不动产/车辆/存款, JSON lines → dataset asset
//	truth.json                                  what was generated (Truth)
//
// A large district (more than DefaultHouseholds households) is generated
// block by block in bounded memory, each block with the default district's
// share of invalid records and duplicates, and its extracts are split into
// parts of about 250,000 rows: hukou_<date>.csv, hukou_<date>_002.csv, ...
// (see blocks.go).
//
// The extracts are messy on purpose (mixed date formats, 15-digit and
// full-width ID numbers, amounts like "¥8,500.00" and "3245.5元", Chinese
// enum values, exact duplicate rows, invalid records); the truth holds the
// canonical values the pipelines must arrive at, the invalid records with the
// reason they must be rejected, the expected row counts, and each household's
// expected dibao decision under the rules of the team brief (see dibao.go).
// deploy/demo/residenthub.yaml is the configuration that loads the extracts.
//
// Everything is deterministic for a given Options.Seed and Options.AsOf.
package demo
