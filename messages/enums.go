package messages

// enumTexts name the values of the hub's enumerations, by field: the
// decision and rule outcome of a check, the enum fields of the datasets
// (schema/datasets.go; a value field of the same name in a program's rule
// values — "status", "evidence_kind" — means the same), dataset names and
// the sex codes of GB/T 2261.1. The API sends the values; whoever shows them
// to a clerk shows these names (Enum). TestEnumsCoverSchema checks that
// every enum value of schema/datasets.go is named here.
var enumTexts = map[string]map[string]Text{
	"decision": {
		"eligible":     {Zh: "符合条件", En: "Eligible"},
		"ineligible":   {Zh: "不符合条件", En: "Ineligible"},
		"needs_review": {Zh: "需人工审核", En: "Needs review"},
	},
	"outcome": {
		"pass":    {Zh: "通过", En: "pass"},
		"fail":    {Zh: "不通过", En: "fail"},
		"review":  {Zh: "需复核", En: "review"},
		"unknown": {Zh: "无法判断", En: "unknown"},
	},
	"rule_kind": {
		"requirement": {Zh: "必要条件", En: "requirement"},
		"review_flag": {Zh: "复核项", En: "review flag"},
	},
	"dataset": {
		"person":           {Zh: "户籍", En: "household registration"},
		"residence":        {Zh: "居住登记", En: "residence"},
		"social_insurance": {Zh: "社会保险", En: "social insurance"},
		"employment":       {Zh: "工资收入", En: "payroll"},
		"health":           {Zh: "健康", En: "health"},
		"asset":            {Zh: "资产", En: "assets"},
		"hotline_ticket":   {Zh: "12345 热线", En: "12345 hotline"},
	},
	// Who keeps a dataset's records, for a certificate whose source has
	// no display name (config sources[].display_name).
	"department": {
		"person":           {Zh: "户籍登记部门", En: "the household registration office"},
		"residence":        {Zh: "居住登记部门", En: "the residence registration office"},
		"social_insurance": {Zh: "社会保险经办机构", En: "the social insurance agency"},
		"employment":       {Zh: "工资申报单位", En: "the employers' payroll"},
		"health":           {Zh: "卫生健康部门", En: "the health commission"},
		"asset":            {Zh: "资产登记部门", En: "the asset registries"},
		"hotline_ticket":   {Zh: "12345 热线", En: "the 12345 hotline"},
	},
	// person.status
	"status": {
		"normal":    {Zh: "正常", En: "normal"},
		"deceased":  {Zh: "死亡", En: "deceased"},
		"moved_out": {Zh: "迁出", En: "moved out"},
	},
	"evidence_kind": {
		"access_control":      {Zh: "门禁登记", En: "access-control enrolment"},
		"rental_registration": {Zh: "房屋租赁登记备案", En: "rental registration"},
		"property":            {Zh: "房产登记", En: "property registration"},
		"other":               {Zh: "其他登记", En: "other registration"},
	},
	"insurance_type": {
		"pension":      {Zh: "养老保险", En: "pension insurance"},
		"medical":      {Zh: "医疗保险", En: "medical insurance"},
		"unemployment": {Zh: "失业保险", En: "unemployment insurance"},
		"work_injury":  {Zh: "工伤保险", En: "work-injury insurance"},
		"maternity":    {Zh: "生育保险", En: "maternity insurance"},
	},
	"social_insurance.status": {
		"active":     {Zh: "正常参保", En: "active"},
		"suspended":  {Zh: "暂停参保", En: "suspended"},
		"terminated": {Zh: "终止参保", En: "terminated"},
		"receiving":  {Zh: "领取待遇", En: "receiving benefits"},
	},
	"income_kind": {
		"wage":  {Zh: "工资", En: "wage"},
		"other": {Zh: "其他收入", En: "other income"},
	},
	"health_code_colour": {
		"green":  {Zh: "绿码", En: "green"},
		"yellow": {Zh: "黄码", En: "yellow"},
		"red":    {Zh: "红码", En: "red"},
	},
	"disability_category": {
		"visual":       {Zh: "视力残疾", En: "visual"},
		"hearing":      {Zh: "听力残疾", En: "hearing"},
		"speech":       {Zh: "言语残疾", En: "speech"},
		"physical":     {Zh: "肢体残疾", En: "physical"},
		"intellectual": {Zh: "智力残疾", En: "intellectual"},
		"mental":       {Zh: "精神残疾", En: "mental"},
		"multiple":     {Zh: "多重残疾", En: "multiple"},
	},
	"asset_kind": {
		"real_estate": {Zh: "房产", En: "real estate"},
		"vehicle":     {Zh: "机动车", En: "vehicle"},
		"deposit":     {Zh: "存款", En: "deposit"},
		"other":       {Zh: "其他资产", En: "other asset"},
	},
	"hotline_ticket.status": {
		"open":        {Zh: "待处理", En: "open"},
		"in_progress": {Zh: "处理中", En: "in progress"},
		"closed":      {Zh: "已办结", En: "closed"},
	},
	"hotline_ticket.channel": {
		"12345":          {Zh: "12345 热线", En: "12345 hotline"},
		"12333":          {Zh: "12333 人社热线", En: "12333 social security line"},
		"wechat":         {Zh: "微信", En: "WeChat"},
		"suggestion_box": {Zh: "意见箱", En: "suggestion box"},
		"walk_in":        {Zh: "来访", En: "walk-in"},
		"other":          {Zh: "其他渠道", En: "other channel"},
	},
	"hotline_ticket.satisfaction": {
		"satisfied":           {Zh: "满意", En: "satisfied"},
		"basically_satisfied": {Zh: "基本满意", En: "basically satisfied"},
		"dissatisfied":        {Zh: "不满意", En: "dissatisfied"},
	},
	// GB/T 2261.1-2003
	"sex": {
		"0": {Zh: "未知", En: "unknown"},
		"1": {Zh: "男", En: "male"},
		"2": {Zh: "女", En: "female"},
		"9": {Zh: "未说明", En: "not stated"},
	},
	"bool": {
		"true":  {Zh: "是", En: "yes"},
		"false": {Zh: "否", En: "no"},
	},
}

// Enum returns the name of value in enumeration field ("status",
// "evidence_kind", "decision", "outcome", "dataset", or
// "<dataset>.<field>" where a field name means different things in
// different datasets); ok is false for an unknown field or value, and the
// Text then holds the value itself.
func Enum(field, value string) (t Text, ok bool) {
	if t, ok := enumTexts[field][value]; ok {
		return t, true
	}
	return Text{Zh: value, En: value}, false
}

// EnumFields lists the enumerations Enum knows, for tests and the page.
func EnumFields() []string {
	out := make([]string, 0, len(enumTexts))
	for f := range enumTexts {
		out = append(out, f)
	}
	return out
}
