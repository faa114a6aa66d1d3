package api

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/css"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/web"
)

// chromiumPath is Debian's chromium (apt-get install chromium).
const chromiumPath = "/usr/bin/chromium"

// Household H3: 赵敏 (wage 800 yuan a month) and her mother 孙秀英 (pension
// 1,000 yuan a month). Per-capita income (80000 + 100000) / 2 = 90000 fen is
// below the standard of 132000 fen in force since 2022-07-01, so the
// household is dibao-eligible with (132000 − 90000) × 2 = 84000 fen a month.
const (
	idZhao = "110105198007070124"
	idSun  = "110105195008080224"
)

func loadLowIncomeHousehold(t *testing.T, conn driver.Conn, ch config.ClickHouse, now time.Time) {
	src := now.Add(-5 * 24 * time.Hour)
	ingest := now.Add(-time.Hour)
	insertRows(t, conn, ch, "person", ingest,
		row{"hukou", idZhao, src, map[string]any{"id_number": idZhao, "name": "赵敏", "sex": "2", "birth_date": "1980-07-07",
			"household_id": "H3", "relation_to_head": "01", "hukou_division": "110105", "hukou_address": "北京市朝阳区和平街11号", "status": "normal"}},
		row{"hukou", idSun, src, map[string]any{"id_number": idSun, "name": "孙秀英", "sex": "2", "birth_date": "1950-08-08",
			"household_id": "H3", "relation_to_head": "52", "hukou_division": "110105", "hukou_address": "北京市朝阳区和平街11号", "status": "normal"}},
	)
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	var wages []row
	for i := 1; i <= 6; i++ {
		p := month.AddDate(0, -i, 0)
		wages = append(wages, row{"payroll", idZhao + "|" + p.Format("2006-01"), src, map[string]any{"id_number": idZhao,
			"employer_credit_code": "91110105MA01234567", "employer_name": "某某保洁服务有限公司", "period": p,
			"gross_income_fen": int64(80000), "income_kind": "wage"}})
	}
	insertRows(t, conn, ch, "employment", ingest, wages...)
	insertRows(t, conn, ch, "social_insurance", ingest,
		row{"hrss", idSun + "|pension", src, map[string]any{"id_number": idSun, "insurance_type": "pension", "status": "receiving",
			"monthly_pension_fen": int64(100000), "period_start": "2010-09-01"}})
	insertRows(t, conn, ch, "asset", ingest,
		row{"bank", idZhao + "|dep-1", src, map[string]any{"id_number": idZhao, "asset_kind": "deposit", "value_fen": int64(500000), "registered_at": "2020-01-01"}})
}

// TestServiceHallPage drives the service-hall page (package web, mounted at
// /) in a real headless Chromium against the real API (ClickHouse, embedded
// Kafka) as a counter clerk would: a bad key, then a dibao check, a name
// mismatch and a residence certificate shown in a frame, printed, and
// looked at on screen and in print. It asserts on the text the clerk sees
// (innerText: rendered, without what the 详情 toggle hides), checks that
// the Chinese is drawn with a CJK font (not boxes), and keeps screenshots
// of the decision, the error and the certificate under var/screenshots/.
func TestServiceHallPage(t *testing.T) {
	if os.Getenv("RESIDENTHUB_SKIP_BROWSER") == "1" {
		t.Skip("RESIDENTHUB_SKIP_BROWSER=1: browser test skipped")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("the service-hall page test needs Chromium at %s: run `apt-get install chromium fonts-noto-cjk` "+
			"(or set RESIDENTHUB_SKIP_BROWSER=1 to skip this test): %v", chromiumPath, err)
	}
	e := newTestEnv(t)
	loadLowIncomeHousehold(t, e.conn, e.ch, time.Now())
	b := newBrowser(t)
	visible := func(what, got string, want []string, notWant ...string) {
		t.Helper()
		visibleIn(t, what, got, want, notWant...)
	}

	b.do(chromedp.Navigate(e.url + "/"))
	b.waitJS(`!document.getElementById('login').hidden`)
	visible("the page title", b.text("h1"), []string{"资格核验"})
	b.cjk("h1")

	// A wrong key: the API's 401 is shown in Chinese and the key form stays.
	b.do(chromedp.SendKeys(chromedp.ID("key"), "wrong-key"), chromedp.Click(chromedp.ID("key-save")))
	b.waitJS(`!document.getElementById('login-error').hidden`)
	visible("the bad key message", b.text("#login-error"), []string{"API 密钥缺失或无效", "缺少 API 密钥或密钥无效"},
		"401", "unauthenticated", "missing or unknown")

	// The right key: the programs load, by their Chinese titles, with the
	// parameters in force and their units.
	b.do(chromedp.SendKeys(chromedp.ID("key"), keyCounter), chromedp.Click(chromedp.ID("key-save")))
	b.waitJS(`!document.getElementById('work').hidden && document.querySelector('#program option[value="dibao"]')`)
	if stored := chromedpRun(t, b, chromedp.Evaluate[string](`sessionStorage.getItem('residenthub.apiKey')`)); stored != keyCounter {
		t.Fatalf("key in sessionStorage: %q", stored)
	}
	visible("the program list", b.text("#program"), []string{"最低生活保障", "居住证明", "高龄老年人津贴"}, "Minimum")
	b.selectProgram("dibao")
	visible("the dibao parameters", b.text("#program-info"), []string{"低保标准", "1,320.00 元/人/月", "收入计算期", "6 个月"},
		"standard_fen", "dibao")
	// The 2022 standard is past its review horizon (13 months) today.
	visible("the overdue standard", b.text(`#program-info tr[data-overdue="standard_fen"]`), []string{"已过复核期（2023-08-01 起）"})

	// A dibao check of household H3: every rule passes, each with its values
	// in yuan and their units, the members by relation and masked name; but
	// the standard is overdue for review, so needs_review naming it, the
	// allowance provisional.
	b.do(chromedp.SendKeys(chromedp.ID("purpose"), "低保申请受理"),
		chromedp.SendKeys(chromedp.ID("id-number"), idZhao),
		chromedp.SendKeys(chromedp.ID("name"), "赵敏"))
	b.submit()
	if d := b.attr("#result .banner", "data-decision"); d != "needs_review" {
		t.Fatalf("decision %q; result:\n%s", d, b.text("#result"))
	}
	visible("the banner", b.text("#result .banner"), []string{"需人工审核", "最低生活保障", "110105********0124"})
	b.cjk("#result .banner .verdict")
	visible("rule income_below_standard", b.text(`#result tr[data-rule="income_below_standard"]`),
		[]string{"通过", "家庭月人均收入低于当期最低生活保障标准", "家庭月人均收入", "900.00 元/人/月", "1,320.00 元/人/月",
			"户主 赵*", "母亲 孙**", "养老金（元/月）", "1,000.00", "计算期工资收入合计（元）", "4,800.00", "家庭人数（计入）", "2 人"},
		"per_capita_income_fen", "income_below_standard", "110105********0224", "pass")
	visible("the values of rule applicant_found", b.text(`#result tr[data-rule="applicant_found"] td:nth-child(3)`),
		[]string{"户籍状态", "正常", "户籍地", "北京市朝阳区", "有户籍登记", "是"}, "normal", "true", "status")
	result := b.text("#result")
	visible("the result", result, []string{"840.00 元/月", "每月低保金", "2022-09-02 报道（特困人员基本生活标准 1980 元）",
		"暂定结果", "参数 standard_fen（自 2022-07-01 起执行）已于 2023-08-01 到复核期",
		"区公安分局户籍科", "区人力资源和社会保障局", "工资收入", "适用参数", "数据依据"},
		"payroll", "hrss", idZhao, "赵敏", "0001-01-01")
	b.screenshot("page-decision")

	// The 详情 toggle shows the identifiers support staff ask for, and hides them again.
	b.do(chromedp.Click(chromedp.ID("details")))
	visible("the result with details", b.text("#result"), []string{"per_capita_income_fen", "income_below_standard", "110105********0224", "payroll"})
	b.do(chromedp.Click(chromedp.ID("details")))
	visible("the result without details", b.text("#result"), nil, "per_capita_income_fen")

	// A name that does not match: the API's 422 in Chinese, nothing of the previous decision left.
	b.fill("name", "赵民")
	b.submit()
	visible("the name mismatch", b.text("#error"), []string{"姓名与身份证号不符", "请与身份证逐字核对"},
		"the name does not match", "422", "name_mismatch")
	if n := chromedpRun(t, b, chromedp.Evaluate[int](`document.querySelectorAll('#result .banner').length`)); n != 0 {
		t.Fatal("the previous decision is still shown after an error")
	}
	b.cjk("#error strong")
	b.screenshot("page-error")

	// An ID number with a wrong check digit: the reason in Chinese.
	b.fill("id-number", "110105198007070125")
	b.fill("name", "赵敏")
	b.submit()
	visible("the invalid ID number", b.text("#error"), []string{"身份证号码无效", "校验位不符"}, "check digit")

	// A residence certificate: eligible, the community by name, opened from a blob in a frame, printed.
	b.selectProgram("residence_certificate")
	b.fill("id-number", idZhang)
	b.fill("name", "张三")
	b.submit()
	if d := b.attr("#result .banner", "data-decision"); d != "eligible" {
		t.Fatalf("certificate decision %q; result:\n%s", d, b.text("#result"))
	}
	visible("the certificate decision", b.text("#result"), []string{"北京市朝阳区望京街道花家地社区", "门禁登记", "区住房和城乡建设委员会"},
		"access_control", "110105026001")
	b.do(chromedp.Click(chromedp.ID("print-cert")))
	b.waitJS(`(() => { const f = document.getElementById('cert-frame');
		return !document.getElementById('certificate').hidden && f.src.startsWith('blob:') &&
			f.contentDocument && f.contentDocument.body && f.contentDocument.body.innerText.includes('居住证明'); })()`)
	cert := chromedpRun(t, b, chromedp.Evaluate[string](`document.getElementById('cert-frame').contentDocument.body.innerText`))
	certWant := []string{"居住证明", "兹证明张三", "北京市朝阳区望京街道花家地小区5号楼301", "自2019年5月1日起", "所属社区", "朝阳区望京街道花家地社区",
		"户籍登记：区公安分局户籍科", "门禁登记：区住房和城乡建设委员会", "本证明依据区公安分局户籍科、区住房和城乡建设委员会登记的数据",
		"开具单位：社区便民服务大厅（盖章）", "经办人", "开具日期", "核验码"}
	// On screen the counter sees the ID number masked.
	visible("the certificate on screen", cert, append(certWant, "110105********0016"), idZhang, "access_ctl", "hukou", "departments", "Print", "certificate")
	// Both print buttons reach the frame's print() (replaced here so that
	// nothing is printed): the page's, and the certificate's own inline
	// handler, which the page's Content-Security-Policy allows by its hash.
	tmpl, err := templateFiles.ReadFile("templates/residence_certificate.html")
	if err != nil || !strings.Contains(string(tmpl), `onclick="`+web.PrintHandler+`"`) {
		t.Fatalf("the certificate's print button is not onclick=%q, which web's policy allows (%v)", web.PrintHandler, err)
	}
	b.do(chromedp.Evaluate[chromedp.Void](`(() => { const w = document.getElementById('cert-frame').contentWindow;
		window.printed = 0; w.print = () => { window.printed++; }; })()`),
		chromedp.Click(chromedp.ID("cert-print")),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('cert-frame').contentDocument.querySelector('.actions button').click()`))
	b.waitJS(`window.printed === 2`)
	b.checkConsole()

	// The certificate as a document, on its own: on screen, then as printed
	// (print media: the ID number in full, the district's default).
	certURL := chromedpRun(t, b, chromedp.Evaluate[string](`document.getElementById('cert-frame').src`))
	b.do(chromedp.Navigate(certURL))
	b.waitJS(`document.body && document.body.innerText.includes('居住证明')`)
	b.cjk("h1")
	b.screenshot("certificate")
	b.media("print")
	b.do(chromedp.EmulateViewport(794, 1123)) // A4 at 96 dpi
	printed := chromedpRun(t, b, chromedp.Evaluate[string](`document.body.innerText`))
	visible("the printed certificate", printed, append(certWant, idZhang), "110105********0016", "打印")
	b.screenshot("certificate-print")
	b.media("")
	b.checkConsole()
}

// cjk checks that the direct text of the element css matches is drawn with
// a CJK font: Chromium reports the platform fonts it used for the
// element's text (CSS.getPlatformFontsForNode), and without a CJK font
// installed (Debian: fonts-noto-cjk or fonts-wqy-zenhei) Chinese renders as
// boxes of a fallback font.
func (b *browser) cjk(selector string) {
	b.t.Helper()
	fonts, err := chromedp.Run(b.ctx, chromedp.QueryAfter(selector, func(ctx context.Context, t *chromedp.Target, nodes []*chromedp.Node) ([]*css.PlatformFontUsage, error) {
		if _, err := cdp.Call(ctx, t, css.Enable, cdp.Empty{}); err != nil {
			return nil, err
		}
		r, err := cdp.Call(ctx, t, css.GetPlatformFontsForNode, css.GetPlatformFontsForNodeParams{NodeID: nodes[0].NodeID})
		return r.Fonts, err
	}))
	if err != nil {
		b.t.Fatalf("fonts of %s: %v", selector, err)
	}
	var names []string
	for _, f := range fonts {
		names = append(names, fmt.Sprintf("%s (%g glyphs)", f.FamilyName, f.GlyphCount))
		if cjkFont.MatchString(f.FamilyName) && f.GlyphCount > 0 {
			return
		}
	}
	b.t.Errorf("%s is not drawn with a CJK font (used: %v): install fonts-noto-cjk or fonts-wqy-zenhei", selector, names)
}

// cjkFont matches the family names of CJK fonts.
var cjkFont = regexp.MustCompile(`(?i)CJK|WenQuanYi|Source Han|Noto Sans SC|Noto Serif SC|Droid Sans Fallback|AR PL|Hei|Song|Ming|Kai`)

// media emulates a CSS media type ("print"; "" for the screen).
func (b *browser) media(m string) {
	b.t.Helper()
	b.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
		return err
	}))
}

// browser is one headless Chromium tab, bounded by a timeout.
type browser struct {
	t   *testing.T
	ctx context.Context
	mu  sync.Mutex
	log []chromedp.ConsoleMessage
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(bcancel)
	b := &browser{t: t, ctx: bctx}
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("cannot start %s: %v", chromiumPath, err)
	}
	messages := chromedp.Console(bctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.log = append(b.log, m)
			b.mu.Unlock()
		}
	}()
	return b
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

func chromedpRun[T any](t *testing.T, b *browser, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return v
}

// waitJS waits until the JavaScript expression is truthy.
func (b *browser) waitJS(expr string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		body, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body.innerText`))
		b.t.Fatalf("waiting for %s: %v\npage:\n%s", expr, err, body)
	}
}

func (b *browser) text(css string) string {
	b.t.Helper()
	return chromedpRun(b.t, b, chromedp.Text(chromedp.CSS(css)))
}

func (b *browser) attr(css, name string) string {
	b.t.Helper()
	return chromedpRun(b.t, b, chromedp.Evaluate[string](`document.querySelector(`+jsString(css)+`).getAttribute(`+jsString(name)+`) || ''`))
}

// fill replaces the text of an input by typing.
func (b *browser) fill(id, text string) {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](`document.getElementById(`+jsString(id)+`).value = ''`),
		chromedp.SendKeys(chromedp.ID(id), text))
}

// selectProgram picks a program as a clerk would (change event included).
func (b *browser) selectProgram(id string) {
	b.t.Helper()
	b.do(chromedp.SetValue(chromedp.ID("program"), id),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('program').dispatchEvent(new Event('change'))`))
}

// submit sends the check form and waits for a decision or an error.
func (b *browser) submit() {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.ID("submit")))
	b.waitJS(`!document.getElementById('submit').disabled &&
		(document.querySelector('#result .banner') || !document.getElementById('error').hidden)`)
}

// screenshot saves the whole page as var/screenshots/<name>.png (from the
// repository's root), a test artifact to look at.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	dir := filepath.Join("..", "var", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	png := chromedpRun(b.t, b, chromedp.FullScreenshot(100)) // quality 100: PNG
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", path)
}

// checkConsole fails on script errors and Content-Security-Policy
// violations; failed requests (the 401 and 422 answers) are expected.
func (b *browser) checkConsole() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.log {
		if m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
			b.t.Errorf("browser console: %s %s", m.Type, m.Text)
		}
	}
}

// jsString quotes s as a JavaScript string literal (test selectors only).
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// visibleIn fails t unless the page text got (what names it) holds every
// want and none of notWant.
func visibleIn(t *testing.T, what, got string, want []string, notWant ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s does not show %q:\n%s", what, w, got)
		}
	}
	for _, w := range notWant {
		if strings.Contains(got, w) {
			t.Errorf("%s shows %q:\n%s", what, w, got)
		}
	}
}
