package messages

// The 12345 hotline ranking's sentences: its error details, the headlines
// the page shows above them, and the labels of its page and summary. Kept
// in their own file and merged into the catalogue's tables at start.
var hotlineErrors = map[string]Text{
	"invalid_year": {
		Zh: "年度“%[1]s”无效：请填写 %[2]d 至 %[3]d 之间的四位年份，例如 year=%[3]d",
		En: "year %[1]q is not valid: give a four-digit year from %[2]d to %[3]d, e.g. year=%[3]d"},
	"invalid_community": {
		Zh: "社区代码“%[1]s”无效：请填写 12 位社区（居委会）行政区划代码，例如 110105026001；不填则为全区",
		En: "community %[1]q is not valid: give the 12-digit division code of a community, e.g. 110105026001, or leave it out for the whole district"},
	"invalid_format": {
		Zh: "格式“%[1]s”无效：请填写 json、csv 或 html",
		En: "format %[1]q is not valid: use json, csv or html"},
	"hotline_unavailable": {
		Zh: "热线数据暂时无法读取，请稍后重试；如持续出现，请联系系统运维人员",
		En: "the hotline data cannot be read now; try again later, and call the hub operator if it persists"},
}

var hotlineHeadlines = map[string]Text{
	"invalid_year":        {Zh: "年度无效", En: "Year not valid"},
	"invalid_community":   {Zh: "社区代码无效", En: "Community code not valid"},
	"invalid_format":      {Zh: "导出格式无效", En: "Format not valid"},
	"hotline_unavailable": {Zh: "热线数据暂时无法读取", En: "Hotline data unavailable"},
}

var hotlineLabels = map[string]Text{
	"hotline.title":                   {Zh: "社区年度十大问题", En: "A community's top ten problems of the year"},
	"hotline.summary_title":           {Zh: "12345 热线社区年度问题公示", En: "12345 hotline: a community's problems of the year (public summary)"},
	"hotline.district":                {Zh: "全区", En: "whole district"},
	"hotline.year":                    {Zh: "年度", En: "Year"},
	"hotline.community":               {Zh: "社区", En: "Community"},
	"hotline.community_code":          {Zh: "社区代码（12 位，不填为全区）", En: "Community code (12 digits; empty: whole district)"},
	"hotline.rank":                    {Zh: "排名", En: "Rank"},
	"hotline.kind":                    {Zh: "问题类别", En: "Problem"},
	"hotline.cases":                   {Zh: "案件数", En: "Cases"},
	"hotline.calls":                   {Zh: "来电数", En: "Calls"},
	"hotline.share":                   {Zh: "占比", En: "Share"},
	"hotline.change_vs_previous_year": {Zh: "同比变化", En: "Change vs previous year"},
	"hotline.resolved_share":          {Zh: "办结率", En: "Resolved"},
	"hotline.median_days_to_close":    {Zh: "办结天数（中位数）", En: "Median days to close"},
	"hotline.committee":               {Zh: "责任委员会", En: "Committee"},
	"hotline.unmapped":                {Zh: "未归类诉求", En: "Unmapped categories"},
	"hotline.unresolved":              {Zh: "未能确定社区的来电", En: "Calls without a community"},
	"hotline.suppressed":              {Zh: "少于 5 件不公布", En: "fewer than 5 cases: not published"},
	"hotline.show":                    {Zh: "查看", En: "Show"},
	"hotline.print":                   {Zh: "打印", En: "Print"},
	"hotline.summary":                 {Zh: "公示版（可直接公开）", En: "Public summary"},
	"hotline.total":                   {Zh: "全年合计", En: "Year total"},
	"hotline.note": {Zh: "同一案件编号、或同一来电人就同一社区同类问题在 %[1]d 天内的重复来电，计为一件。",
		En: "Repeated calls — one case id, or one caller about one kind of problem in one community within %[1]d days — count as one case."},
}

func init() {
	for k, v := range hotlineErrors {
		errorTexts[k] = v
	}
	for k, v := range hotlineHeadlines {
		headlines[k] = v
	}
	for k, v := range hotlineLabels {
		fieldLabels[k] = v
	}
}
