package api

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
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
// Kafka): a bad key, then a dibao check rendered with its decision and rule
// values, a name mismatch with the API's message, and a residence
// certificate shown in a frame from a blob and printed.
func TestServiceHallPage(t *testing.T) {
	if os.Getenv("RESIDENTHUB_SKIP_BROWSER") == "1" {
		t.Skip("RESIDENTHUB_SKIP_BROWSER=1: browser test skipped")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("the service-hall page test needs Chromium at %s: run `apt-get install chromium` "+
			"(or set RESIDENTHUB_SKIP_BROWSER=1 to skip this test): %v", chromiumPath, err)
	}
	e := newTestEnv(t)
	loadLowIncomeHousehold(t, e.conn, e.ch, time.Now())
	b := newBrowser(t)

	b.do(chromedp.Navigate(e.url + "/"))
	b.waitJS(`!document.getElementById('login').hidden`)
	if title := b.text("h1"); !strings.Contains(title, "资格核验") {
		t.Fatalf("page title %q", title)
	}

	// A wrong key: the API's 401 is shown and the key form stays.
	b.do(chromedp.SendKeys(chromedp.ID("key"), "wrong-key"), chromedp.Click(chromedp.ID("key-save")))
	b.waitJS(`!document.getElementById('login-error').hidden`)
	if msg := b.text("#login-error"); !strings.Contains(msg, "missing or unknown API key") || !strings.Contains(msg, "401") {
		t.Fatalf("bad key message: %q", msg)
	}

	// The right key: the programs load with their parameters in force.
	b.do(chromedp.SendKeys(chromedp.ID("key"), keyCounter), chromedp.Click(chromedp.ID("key-save")))
	b.waitJS(`!document.getElementById('work').hidden && document.querySelector('#program option[value="dibao"]')`)
	if stored := chromedpRun(t, b, chromedp.Evaluate[string](`sessionStorage.getItem('residenthub.apiKey')`)); stored != keyCounter {
		t.Fatalf("key in sessionStorage: %q", stored)
	}
	b.selectProgram("dibao")
	if info := b.text("#program-info"); !strings.Contains(info, "1,320.00 元") || !strings.Contains(info, "standard_fen") {
		t.Fatalf("dibao parameters in force not shown: %q", info)
	}
	// The 2022 standard is past its review horizon (13 months) today.
	if info := b.text(`#program-info tr[data-overdue="standard_fen"]`); !strings.Contains(info, "已过复核期（2023-08-01 起）") || !strings.Contains(info, "Overdue for review") {
		t.Fatalf("overdue standard not shown: %q", info)
	}

	// A dibao check of household H3: every rule passes, with the rules'
	// values in yuan, but the standard is overdue for review: needs_review
	// naming it, the allowance provisional.
	b.do(chromedp.SendKeys(chromedp.ID("purpose"), "低保申请受理 dibao application"),
		chromedp.SendKeys(chromedp.ID("id-number"), idZhao),
		chromedp.SendKeys(chromedp.ID("name"), "赵敏"))
	b.submit()
	if d := b.attr("#result .banner", "data-decision"); d != "needs_review" {
		t.Fatalf("decision %q; result:\n%s", d, b.text("#result"))
	}
	banner := b.text("#result .banner")
	for _, want := range []string{"需人工审核", "Needs review", "最低生活保障", "110105********0124"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q: %q", want, banner)
		}
	}
	income := b.text(`#result tr[data-rule="income_below_standard"]`)
	for _, want := range []string{"通过", "家庭月人均收入低于当期最低生活保障标准", "Household monthly income per person",
		"900.00 元", "1,320.00 元", "per_capita_income_fen", "110105********0224", "4,800.00 元"} {
		if !strings.Contains(income, want) {
			t.Errorf("rule income_below_standard lacks %q: %q", want, income)
		}
	}
	result := b.text("#result")
	for _, want := range []string{"840.00 元", "每月低保金", "reported 2022-09-02", "payroll", "工资收入", "适用参数", "数据依据",
		"暂定结果", "parameter standard_fen: the value in force since 2022-07-01 was due for review on 2023-08-01"} {
		if !strings.Contains(result, want) {
			t.Errorf("result lacks %q", want)
		}
	}
	if strings.Contains(result, idZhao) || strings.Contains(result, "赵敏") {
		t.Errorf("counter result shows the full ID number or name:\n%s", result)
	}
	b.screenshot("")

	// A name that does not match: the API's 422 message is shown.
	b.fill("name", "赵民")
	b.submit()
	if msg := b.text("#error"); !strings.Contains(msg, "the name does not match the ID number") ||
		!strings.Contains(msg, "姓名与身份证号不符") || !strings.Contains(msg, "422") {
		t.Fatalf("name mismatch message: %q", msg)
	}
	if n := chromedpRun(t, b, chromedp.Evaluate[int](`document.querySelectorAll('#result .banner').length`)); n != 0 {
		t.Fatal("the previous decision is still shown after an error")
	}
	b.screenshot("-error")

	// A residence certificate: eligible, opened from a blob in a frame, printed.
	b.selectProgram("residence_certificate")
	b.fill("id-number", idZhang)
	b.fill("name", "张三")
	b.submit()
	if d := b.attr("#result .banner", "data-decision"); d != "eligible" {
		t.Fatalf("certificate decision %q; result:\n%s", d, b.text("#result"))
	}
	b.do(chromedp.Click(chromedp.ID("print-cert")))
	b.waitJS(`(() => { const f = document.getElementById('cert-frame');
		return !document.getElementById('certificate').hidden && f.src.startsWith('blob:') &&
			f.contentDocument && f.contentDocument.body && f.contentDocument.body.innerText.includes('居住证明'); })()`)
	cert := chromedpRun(t, b, chromedp.Evaluate[string](`document.getElementById('cert-frame').contentDocument.body.innerText`))
	for _, want := range []string{"张三", "110105********0016", "北京市朝阳区望京街道花家地小区5号楼301", "2019-05-01", "门禁登记"} {
		if !strings.Contains(cert, want) {
			t.Errorf("certificate lacks %q:\n%s", want, cert)
		}
	}
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
	b.screenshot("-certificate")
	b.checkConsole()
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

// screenshot saves the page as PNG when RESIDENTHUB_WEB_SCREENSHOT names a
// file (/tmp/web.png; suffix "-error" → /tmp/web-error.png), for a look.
func (b *browser) screenshot(suffix string) {
	b.t.Helper()
	path := os.Getenv("RESIDENTHUB_WEB_SCREENSHOT")
	if path == "" {
		return
	}
	path = strings.TrimSuffix(path, ".png") + suffix + ".png"
	png := chromedpRun(b.t, b, chromedp.FullScreenshot(100)) // quality 100: PNG
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
