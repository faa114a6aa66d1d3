package messages

// errorTexts are the details of the API's error answers ({"error": code,
// "detail": sentence}), keyed by the error code or by code + "." + a
// variant when one code has several sentences. Formats take their
// arguments by index (%[1]s) so that the two languages may order them
// differently; TestErrorTextsAgree checks that both use the same verbs.
// Chinese sentences say what is wrong and what to do next, so that a clerk
// can read them aloud.
var errorTexts = map[string]Text{
	// Every route.
	"unauthenticated": {
		Zh: "缺少 API 密钥或密钥无效：请以“Authorization: Bearer <密钥>”或“X-API-Key: <密钥>”请求头发送密钥",
		En: `missing or unknown API key: send it as "Authorization: Bearer <key>" or "X-API-Key: <key>"`},
	"forbidden": {
		Zh: "角色 %[1]s 无权调用 %[2]s %[3]s（允许的角色：%[4]s）",
		En: "role %[1]q may not use %[2]s %[3]s (allowed: %[4]s)"},
	"not_found": {
		Zh: "没有接口 %[1]s %[2]s，接口列表见 /v1/openapi.json",
		En: "there is no endpoint %[1]s %[2]s; see /v1/openapi.json"},
	"method_not_allowed": {
		Zh: "%[2]s 不支持 %[1]s 请求，接口列表见 /v1/openapi.json",
		En: "%[1]s is not allowed on %[2]s; see /v1/openapi.json"},
	"internal": {
		Zh: "服务器暂时无法应答，请稍后重试；如持续出现，请联系系统运维人员",
		En: "the server could not answer; try again or call the hub operator"},
	"internal.encode": {
		Zh: "无法生成应答内容，请联系系统运维人员",
		En: "cannot encode the answer"},
	"internal.render": {
		Zh: "无法生成证明页面，请稍后重试；如持续出现，请联系系统运维人员",
		En: "cannot render the page; try again or call the hub operator"},
	"not_ready": {
		Zh: "服务尚未就绪：%[1]s",
		En: "not ready: %[1]s"},
	"no_metrics": {
		Zh: "本服务未导出监控指标",
		En: "this server exports no metrics"},
	"missing_purpose": {
		Zh: "请在 X-Purpose 请求头中说明查询此人数据的事由（例如“低保申请受理”）；事由将记入审计日志",
		En: `say why you read this person's data in the X-Purpose header (for example "X-Purpose: dibao application at the counter"); it is recorded in the audit log`},
	"invalid_purpose": {
		Zh: "X-Purpose 请求头（办事事由）须为一行文字，最多 %[1]d 个字符",
		En: "the X-Purpose header must be one line of text of at most %[1]d characters"},
	"audit_unavailable": {
		Zh: "审计记录未能写入，因此未显示数据；请一分钟后重试，如持续出现请联系系统运维人员",
		En: "the data was not shown because the audit record of this read could not be written; try again in a minute, and call the hub operator if it persists"},

	// Reading a person: the ID number, the name, the date.
	"invalid_id_number": {
		Zh: "身份证号 %[1]s 无效：%[2]s",
		En: "ID number %[1]s is not valid — %[2]s"},
	"invalid_id_number.generic": {
		Zh: "身份证号无效，请核对身份证上的号码",
		En: "the ID number is not valid"},
	"invalid_as_of": {
		Zh: "核验日期“%[1]s”不是形如 2026-11-29 的日期",
		En: "as_of %[1]q is not a date like 2026-11-29"},
	"invalid_as_of.future": {
		Zh: "核验日期 %[1]s 晚于今天（%[2]s）；只能核验已经登记的数据",
		En: "as_of %[1]s is in the future (today is %[2]s); checks can only look at data already recorded"},
	"missing_name": {
		Zh: "请在 %[1]s 中填写与身份证一致的姓名，系统将与身份证号核对",
		En: "give the resident's name as on the ID card in %[1]s; it is checked against the ID number"},
	"missing_name.counter": {
		Zh: "窗口只能为在场的本人查询：请在 %[1]s 中填写与身份证一致的姓名，系统将与身份证号核对",
		En: "the counter role reads a person's data only for the person present: give their name as on the ID card in %[1]s; it is checked against the ID number"},
	"invalid_name": {
		Zh: "姓名无效：%[1]s",
		En: "the name is not valid — %[1]s"},
	"name_mismatch": {
		Zh: "姓名与身份证号不符：请与身份证逐字核对（如已改名，须先在户籍登记中更新）",
		En: "the name does not match the ID number; compare it character by character with the ID card (a changed name must first be updated in the household registration)"},
	"too_many_requests.queue": {
		Zh: "当前查询过多，已有 %[1]d 个查询在排队；请 %[2]d 秒后重试（本次未读取任何数据）",
		En: "the hub is answering as many reads as it can and %[1]d more are waiting; try again in %[2]d s (nothing was read)"},
	"too_many_requests.wait": {
		Zh: "当前查询过多，排队 %[1]d 秒仍未轮到；请 %[2]d 秒后重试（本次未读取任何数据）",
		En: "the hub is busy: no turn came within %[1]d s; try again in %[2]d s (nothing was read)"},
	"too_many_requests.gone": {
		Zh: "请求在排队时已结束；请 %[1]d 秒后重试",
		En: "the request ended while it waited for a turn; try again in %[1]d s"},
	"push_busy": {
		Zh: "正在处理的推送数据过多，请 %[1]d 秒后重试同一请求（本次未接收任何记录）",
		En: "too many pushed bytes are being processed; retry the same request in %[1]d seconds (nothing of this one was accepted)"},
	"name_attempts_exceeded": {
		Zh: "该身份证号或该密钥的姓名核对失败次数过多，请 %[1]d 分钟后再试，并按身份证逐字填写姓名（每次尝试均有审计记录）",
		En: "too many names that did not match were given for this ID number or by this key; try again in %[1]d minutes with the name exactly as on the ID card (every attempt is audited)"},
	"person_not_found": {
		Zh: "查无此人：没有该身份证号的人口登记（截至所查日期），请核对身份证上的号码",
		En: "no person with this ID number is registered (as of the date asked); check the number on the ID card"},
	"profile_unavailable": {
		Zh: "人口数据暂时无法读取，请一分钟后重试",
		En: "the resident profile cannot be read right now; try again in a minute"},

	// Checks and programs.
	"missing_program": {
		Zh: "请在“program”中填写要核验的业务（业务列表见 GET /v1/programs）",
		En: `say which program to check in "program" (see GET /v1/programs)`},
	"missing_id_number": {
		Zh: "请在“id_number”中填写居民的身份证号",
		En: `give the resident's ID number in "id_number"`},
	"unknown_program": {
		Zh: "没有业务“%[1]s”；现有业务：%[2]s",
		En: "there is no program %[1]q; known programs: %[2]s"},
	"unknown_program.certificate": {
		Zh: "本系统未配置居住证明业务（没有业务 %[1]s）",
		En: "residence certificates are not configured on this hub (no program %[1]s)"},
	"not_eligible": {
		Zh: "不能开具居住证明（%[1]s）：%[2]s",
		En: "no residence certificate can be issued (%[1]s): %[2]s"},

	// Request bodies.
	"malformed_body": {
		Zh: "请求体不是有效的 JSON 对象：%[1]s",
		En: "the request body is not a valid JSON object: %[1]s"},
	"malformed_body.empty": {
		Zh: "请求体为空，请发送一个 JSON 对象",
		En: "the request body is empty; send a JSON object"},
	"malformed_body.syntax": {
		Zh: "请求体不是有效的 JSON（第 %[1]d 字节处出错）",
		En: "the request body is not valid JSON (at byte %[1]d)"},
	"malformed_body.not_object": {
		Zh: `请求体须为形如 {"program": "dibao", "id_number": "...", "name": "..."} 的 JSON 对象，而不是 JSON %[1]s`,
		En: `the request body must be a JSON object like {"program": "dibao", "id_number": "...", "name": "..."}, not a JSON %[1]s`},
	"malformed_body.field_type": {
		Zh: "字段“%[1]s”须为%[2]s，而不是 JSON %[3]s",
		En: "field %[1]q must be a %[2]s, not a JSON %[3]s"},
	"malformed_body.unknown_field": {
		Zh: "请求体中有未知字段 %[1]s",
		En: "unknown field %[1]s in the request body"},
	"body_too_large": {
		Zh: "请求体超过 %[1]d 字节；核验请求只是一个小的 JSON 对象",
		En: "the request body is larger than %[1]d bytes; a check is a small JSON object"},

	// The push endpoint (connectors/push), read by departments' IT staff.
	"unknown_source": {
		Zh: "没有推送数据源“%[1]s”；请与系统运维人员核对 URL 中的数据源名称",
		En: "there is no push source %[1]q; check the source name in the URL with the hub operator"},
	"unknown_source.mine": {
		Zh: "没有推送数据源“%[1]s”；请与系统运维人员核对 URL 中的数据源名称；此密钥可推送到：%[2]s",
		En: "there is no push source %[1]q; check the source name in the URL with the hub operator; this key may push to: %[2]s"},
	"forbidden_source": {
		Zh: "API 密钥“%[1]s”无权向数据源“%[2]s”推送；请联系系统运维人员为该密钥添加此数据源",
		En: "the API key %[1]q may not push to source %[2]q; ask the hub operator to add the source to the key"},
	"internal.push_config": {
		Zh: "该推送数据源在系统中配置有误，请告知系统运维人员",
		En: "the push source is misconfigured on the hub; tell the hub operator"},
	"body_too_large.push": {
		Zh: "请求体超过本数据源的上限 %[1]d 字节，请拆分为多个较小的请求",
		En: "the body is larger than %[1]d bytes, the limit of this source; split the delivery into smaller requests"},
	"malformed_body.unreadable": {
		Zh: "请求体未能完整读取，请重新发送",
		En: "the request body could not be read to its end; send it again"},
	"empty_body": {
		Zh: "请求体为空：请发送 JSON 对象数组，或 NDJSON（每行一个 JSON 对象）",
		En: "the body is empty: send a JSON array of objects or NDJSON (one object per line)"},
	"malformed_body.push": {
		Zh: "请求体不是格式正确的 JSON 数组或 NDJSON（每行一个 JSON 对象）：%[1]s",
		En: "%[1]s"}, // Parse's own sentence says it
	"unavailable": {
		Zh: "记录未能保存，本次没有接收任何记录；请一分钟后重新发送相同的请求体",
		En: "the records could not be stored; nothing was accepted, send the same body again in a minute"},
}
