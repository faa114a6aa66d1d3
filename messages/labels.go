package messages

// fieldLabels name the fields of the datasets and the values every program
// shares (rule values and outcomes named after the member fields of the
// rules engine: found, status, age, ...). A program names its own
// parameters, values and outcomes in its YAML file (labels:, with units);
// those take precedence on the page.
var fieldLabels = map[string]Text{
	"id_number":           {Zh: "身份证号", En: "ID number"},
	"id_masked":           {Zh: "身份证号", En: "ID number"},
	"member":              {Zh: "身份证号", En: "ID number"},
	"name":                {Zh: "姓名", En: "name"},
	"name_masked":         {Zh: "姓名", En: "name"},
	"relation":            {Zh: "与户主关系", En: "relation to the head"},
	"relation_to_head":    {Zh: "与户主关系", En: "relation to the head"},
	"sex":                 {Zh: "性别", En: "sex"},
	"birth_date":          {Zh: "出生日期", En: "birth date"},
	"age":                 {Zh: "年龄（周岁）", En: "age (years)"},
	"found":               {Zh: "有户籍登记", En: "registered"},
	"status":              {Zh: "户籍状态", En: "status"},
	"household_id":        {Zh: "户号", En: "household number"},
	"hukou_division":      {Zh: "户籍地", En: "hukou division"},
	"hukou_address":       {Zh: "户籍地址", En: "hukou address"},
	"address":             {Zh: "居住地址", En: "address"},
	"community_code":      {Zh: "所属社区", En: "community"},
	"community_codes":     {Zh: "居住社区", En: "communities"},
	"district_prefix":     {Zh: "辖区", En: "district"},
	"since":               {Zh: "居住起始日期", En: "living there since"},
	"evidence_kind":       {Zh: "居住依据", En: "evidence"},
	"members":             {Zh: "家庭成员", En: "members"},
	"disability_grade":    {Zh: "残疾等级", En: "disability grade"},
	"disability_category": {Zh: "残疾类别", En: "disability category"},
	"major_illness":       {Zh: "重大疾病", En: "major illness"},
	"pension_fen":         {Zh: "养老金", En: "pension"},
	"deposit_fen":         {Zh: "存款", En: "deposits"},
	"real_estate_count":   {Zh: "房产", En: "real estate"},
	"vehicle_count":       {Zh: "机动车", En: "vehicles"},
	"decision":            {Zh: "核验结论", En: "decision"},
}

// Label returns the catalogue's label of a field or shared value name; ok
// is false when there is none (the Text then holds the name itself).
func Label(name string) (t Text, ok bool) {
	if t, ok := fieldLabels[name]; ok {
		return t, true
	}
	return Text{Zh: name, En: name}, false
}

// unitTexts name the units a program declares for its money and count
// values (eligibility.Units lists the same ids and what they mean). Zh is
// shown after the number: "1,320.00 元/人/月".
var unitTexts = map[string]Text{
	"fen":                      {Zh: "元", En: "yuan"},
	"fen_per_month":            {Zh: "元/月", En: "yuan per month"},
	"fen_per_person_per_month": {Zh: "元/人/月", En: "yuan per person per month"},
	"fen_window_total":         {Zh: "元（计算期合计）", En: "yuan, total over the income window"},
	"months":                   {Zh: "个月", En: "months"},
	"years":                    {Zh: "周岁", En: "years"},
	"persons":                  {Zh: "人", En: "persons"},
	"sets":                     {Zh: "套", En: "properties"},
	"vehicles":                 {Zh: "辆", En: "vehicles"},
	"grade":                    {Zh: "级", En: "grade"},
}

// Unit returns the text of a unit id; ok is false for an unknown unit.
func Unit(id string) (Text, bool) {
	t, ok := unitTexts[id]
	return t, ok
}
