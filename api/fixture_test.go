package api

import (
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/places"
	"github.com/residenthub/residenthub/store/storetest"
)

// Test residents (valid GB 11643-1999 numbers).
const (
	idZhang   = "110105198001010016" // 张三: household H1, lives in 朝阳区 → certificate
	idLi      = "110105198202020026" // 李四: household H1 (spouse)
	idWang    = "110108199003030030" // 王五: lives only in 海淀区 → no certificate
	idUnknown = "110105195005050046" // valid, not in the profile
)

// Household H4 as departments key it: 钱七's hukou record under his
// first-generation 15-digit number, other records under full-width numbers
// (record keys are the departments' raw values; id_number is normalized).
const (
	idQian      = "110105198004040034" // 钱七
	idQian15    = "110105800404003"    // 钱七's 15-digit number
	idQianWide  = "１１０１０５１９８００４０４００３４"
	idZhou      = "110105198205050044" // 周八: household H4 (spouse)
	idZhouWide  = "１１０１０５１９８２０５０５００４４"
	keyQianWork = idQian15 + "|wage"
)

// loadDepartmentKeys inserts household H4 (钱七, 周八) with records whose keys
// hold 15-digit and full-width ID numbers.
func loadDepartmentKeys(t *testing.T, conn driver.Conn, ch config.ClickHouse, now time.Time) {
	src := now.Add(-10 * 24 * time.Hour)
	ingest := now.Add(-time.Hour)
	insertRows(t, conn, ch, "person", ingest,
		row{"hukou", idQian15, src, map[string]any{"id_number": idQian, "name": "钱七", "sex": "1", "birth_date": "1980-04-04",
			"household_id": "H4", "relation_to_head": "01", "hukou_division": "110105", "hukou_address": "北京市朝阳区和平街12号", "status": "normal"}},
		row{"hukou", idZhouWide, src, map[string]any{"id_number": idZhou, "name": "周八", "sex": "2", "birth_date": "1982-05-05",
			"household_id": "H4", "relation_to_head": "10", "hukou_division": "110105", "hukou_address": "北京市朝阳区和平街12号", "status": "normal"}},
	)
	insertRows(t, conn, ch, "residence", ingest,
		row{"access_ctl", idQianWide + "|gate-9", src, map[string]any{"id_number": idQian, "address": "北京市朝阳区和平街12号",
			"community_code": "110105001001", "since": "2020-01-01", "evidence_kind": "access_control"}})
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	insertRows(t, conn, ch, "employment", ingest,
		row{"payroll", keyQianWork, src, map[string]any{"id_number": idQian, "employer_credit_code": "91110105MA01234567",
			"employer_name": "某某物流有限公司", "period": month.AddDate(0, -1, 0), "gross_income_fen": int64(90000), "income_kind": "wage"}})
	insertRows(t, conn, ch, "social_insurance", ingest,
		row{"hrss", idZhouWide + "|pension", src, map[string]any{"id_number": idZhou, "insurance_type": "pension", "status": "receiving",
			"monthly_pension_fen": int64(100000), "period_start": "2020-06-01"}})
}

// testSourceNames are the departments of the test sources (config
// sources[].display_name); rental and realty have none.
var testSourceNames = map[string]string{
	"hukou": "区公安分局户籍科", "access_ctl": "区住房和城乡建设委员会", "payroll": "区人力资源和社会保障局（工资）",
	"hrss": "区人力资源和社会保障局", "health": "区卫生健康委员会", "bank": "区金融服务办公室",
}

// testPlaces names the community of 张三's residence (config places.names).
func testPlaces(t *testing.T) *places.Names {
	n, err := places.New(map[string]string{"110105026001": "花家地社区"})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// row is one profile row: canonical field values (missing ones take the
// column's zero value) plus bookkeeping.
type row struct {
	source, key string
	sourceTime  time.Time
	fields      map[string]any
}

// insertRows writes rows into a dataset table as the pipelines do.
func insertRows(t *testing.T, conn driver.Conn, ch config.ClickHouse, dataset string, ingest time.Time, rows ...row) {
	t.Helper()
	out := make([]storetest.Row, 0, len(rows))
	for _, r := range rows {
		sr := storetest.Row{"source": r.source, "record_key": r.key, "source_time": r.sourceTime.UTC(), "ingest_time": ingest.UTC(), "pipeline_version": "test"}
		for k, v := range r.fields {
			sr[k] = v
		}
		out = append(out, sr)
	}
	storetest.Insert(t, conn, ch, dataset, out...)
}

// loadProfile inserts a small district: household H1 (张三, 李四) living in
// 朝阳区 and 王五 in household H2 living in 海淀区; records changed 10 days
// before now and were loaded an hour ago.
func loadProfile(t *testing.T, conn driver.Conn, ch config.ClickHouse, now time.Time) {
	src := now.Add(-10 * 24 * time.Hour)
	ingest := now.Add(-time.Hour)
	insertRows(t, conn, ch, "person", ingest,
		row{"hukou", idZhang, src, map[string]any{"id_number": idZhang, "name": "张三", "sex": "1", "birth_date": "1980-01-01",
			"household_id": "H1", "relation_to_head": "01", "hukou_division": "110105", "hukou_address": "北京市朝阳区建国路88号院3号楼1单元502",
			"status": "normal", "phone": "13812345678"}},
		row{"hukou", idLi, src, map[string]any{"id_number": idLi, "name": "李四", "sex": "2", "birth_date": "1982-02-02",
			"household_id": "H1", "relation_to_head": "10", "hukou_division": "110105", "hukou_address": "北京市朝阳区建国路88号院3号楼1单元502",
			"status": "normal", "phone": "13900001111"}},
		row{"hukou", idWang, src, map[string]any{"id_number": idWang, "name": "王五", "sex": "1", "birth_date": "1990-03-03",
			"household_id": "H2", "relation_to_head": "01", "hukou_division": "110108", "hukou_address": "北京市海淀区中关村大街1号",
			"status": "normal"}},
	)
	insertRows(t, conn, ch, "residence", ingest,
		row{"access_ctl", idZhang + "|gate-7", src, map[string]any{"id_number": idZhang, "address": "北京市朝阳区望京街道花家地小区5号楼301",
			"community_code": "110105026001", "since": "2019-05-01", "evidence_kind": "access_control"}},
		row{"rental", idWang + "|r1", src, map[string]any{"id_number": idWang, "address": "北京市海淀区学院路3号",
			"community_code": "110108001001", "since": "2021-01-01", "evidence_kind": "rental_registration"}},
	)
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	var jobs []row
	for i := 1; i <= 6; i++ {
		p := month.AddDate(0, -i, 0)
		jobs = append(jobs, row{"payroll", idZhang + "|" + p.Format("2006-01"), src, map[string]any{"id_number": idZhang,
			"employer_credit_code": "91110105MA01234567", "employer_name": "某某科技有限公司", "period": p,
			"gross_income_fen": int64(350000), "income_kind": "wage"}})
	}
	insertRows(t, conn, ch, "employment", ingest, jobs...)
	insertRows(t, conn, ch, "social_insurance", ingest,
		row{"hrss", idZhang + "|pension", src, map[string]any{"id_number": idZhang, "insurance_type": "pension", "status": "active",
			"employer_credit_code": "91110105MA01234567", "contribution_base_fen": int64(350000), "period_start": "2010-01-01"}})
	insertRows(t, conn, ch, "health", ingest,
		row{"health", idZhang, src, map[string]any{"id_number": idZhang, "health_code_colour": "green"}})
	insertRows(t, conn, ch, "asset", ingest,
		row{"realty", idZhang + "|house-1", src, map[string]any{"id_number": idZhang, "asset_kind": "real_estate",
			"value_fen": int64(300000000), "registered_at": "2015-06-01"}})
}
