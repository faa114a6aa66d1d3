package messages

// Page is the part of the catalogue the service-hall page shows, as JSON
// (package web serves it at /web/messages.json): enum names by field and
// value, field labels, unit texts and the headlines of error codes (the
// page shows the API's own detail under the headline).
type Page struct {
	Enums  map[string]map[string]Text `json:"enums"`
	Labels map[string]Text            `json:"labels"`
	Units  map[string]Text            `json:"units"`
	// Headlines are short titles of the error codes for the page's error box.
	Headlines map[string]Text `json:"headlines"`
}

// Catalogue returns a copy of the page's part of the catalogue.
func Catalogue() Page {
	p := Page{
		Enums:     map[string]map[string]Text{},
		Labels:    map[string]Text{},
		Units:     map[string]Text{},
		Headlines: map[string]Text{},
	}
	for f, vals := range enumTexts {
		m := map[string]Text{}
		for k, v := range vals {
			m[k] = v
		}
		p.Enums[f] = m
	}
	for k, v := range fieldLabels {
		p.Labels[k] = v
	}
	for k, v := range unitTexts {
		p.Units[k] = v
	}
	for k, v := range headlines {
		p.Headlines[k] = v
	}
	return p
}

// headlines are the short titles the page puts above an error's detail.
var headlines = map[string]Text{
	"unauthenticated":        {Zh: "API 密钥缺失或无效，请重新输入密钥", En: "Missing or unknown API key"},
	"forbidden":              {Zh: "该密钥无权使用此功能", En: "Not allowed for this key"},
	"missing_purpose":        {Zh: "请填写办事事由", En: "Purpose missing"},
	"invalid_purpose":        {Zh: "办事事由不符合要求", En: "Purpose not valid"},
	"name_mismatch":          {Zh: "姓名与身份证号不符", En: "Name does not match"},
	"person_not_found":       {Zh: "查无此人", En: "Person not found"},
	"name_attempts_exceeded": {Zh: "姓名核对失败次数过多，请稍后再试", En: "Too many wrong names; try again later"},
	"invalid_id_number":      {Zh: "身份证号码无效", En: "ID number not valid"},
	"invalid_name":           {Zh: "姓名无效", En: "Name not valid"},
	"invalid_as_of":          {Zh: "核验日期无效", En: "Date not valid"},
	"missing_name":           {Zh: "请填写姓名", En: "Name missing"},
	"missing_id_number":      {Zh: "请填写身份证号", En: "ID number missing"},
	"missing_program":        {Zh: "请选择业务", En: "Program missing"},
	"unknown_program":        {Zh: "没有该业务", En: "Unknown program"},
	"not_eligible":           {Zh: "不能开具证明", En: "Certificate not issued"},
	"audit_unavailable":      {Zh: "审计服务暂不可用，现在不能查询", En: "Audit unavailable"},
	"profile_unavailable":    {Zh: "人口数据暂时无法读取", En: "Profile unavailable"},
	"malformed_body":         {Zh: "请求格式有误", En: "Malformed request"},
	"internal":               {Zh: "服务器错误", En: "Server error"},
	"network":                {Zh: "无法连接服务器，请检查网络后重试", En: "Cannot reach the hub"},
	"request_failed":         {Zh: "请求失败", En: "Request failed"},
}
