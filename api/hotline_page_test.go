package api

import (
	"os"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestHotlinePage drives the 社区年度十大问题 page (web/hotline.html) in a
// real headless Chromium against the real API and ClickHouse, as a
// community secretary preparing the residents' meeting would: the key, then
// 花家地社区's 2026 ranking as an SVG bar chart drawn by the page and a
// table, in Chinese (CJK font), then as printed; a bad community code shows
// the API's Chinese sentence. Screenshots: var/screenshots/hotline*.png.
func TestHotlinePage(t *testing.T) {
	if os.Getenv("RESIDENTHUB_SKIP_BROWSER") == "1" {
		t.Skip("RESIDENTHUB_SKIP_BROWSER=1: browser test skipped")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("the page test needs Chromium at %s (or RESIDENTHUB_SKIP_BROWSER=1): %v", chromiumPath, err)
	}
	e := newTestEnv(t)
	// The reader needs the environment's database; set before any request.
	e.srv.deps.Hotline, e.srv.deps.HotlineSuppressBelow = loadHotline(t, e.conn, e.ch), 5
	b := newBrowser(t)
	visible := func(what, got string, want []string, notWant ...string) {
		t.Helper()
		visibleIn(t, what, got, want, notWant...)
	}

	b.do(chromedp.Navigate(e.url + "/web/hotline.html?year=2026&community=" + hjd))
	b.waitJS(`!document.getElementById('hl-login').hidden`)
	b.do(chromedp.SendKeys(chromedp.ID("hl-key"), keyCaseworker), chromedp.Click(chromedp.ID("hl-key-save")))
	b.waitJS(`!document.getElementById('hl-report').hidden`)
	visible("the title", b.text("#hl-title"), []string{"花家地社区 2026 年度十大问题"})
	b.cjk("#hl-title")
	visible("the summary line", b.text("#hl-sub"), []string{"全年 22 件案件（来电 24 次）", "上年 4 件"})
	table := b.text("#hl-table")
	visible("the table", table, []string{"排名", "问题类别", "责任委员会", "停车管理", "12", "14", "+200.0%", "100.0%", "3.0",
		"公共事业发展委员会", "供暖", "垃圾分类", "公共环境委员会"}, "13900001000", "望京花园", "parking")
	visible("the notes", b.text("#hl-report"), []string{"30 天内的重复来电，计为一件", "另有 1 件诉求类别未归类（宠物饲养 1 次）"})
	// The chart: one bar per problem, drawn as SVG by the page, labelled in Chinese.
	if n := chromedpRun(t, b, chromedp.Evaluate[int](`document.querySelectorAll('#hl-chart svg rect.bar').length`)); n != 3 {
		t.Errorf("%d bars, want 3", n)
	}
	visible("the chart", chromedpRun(t, b, chromedp.Evaluate[string](`document.querySelector('#hl-chart svg').textContent`)),
		[]string{"1. 停车管理", "12 件", "2. 供暖", "7 件"})
	b.screenshot("hotline")
	b.media("print")
	b.do(chromedp.EmulateViewport(794, 1123))
	printed := chromedpRun(t, b, chromedp.Evaluate[string](`document.body.innerText`))
	visible("the printed page", printed, []string{"花家地社区 2026 年度十大问题", "停车管理", "公共事业发展委员会"}, "查看", "导出公示 CSV", "返回资格核验")
	b.screenshot("hotline-print")
	b.media("")
	b.do(chromedp.EmulateViewport(1200, 900))

	// A community code that is not 12 digits: the API's sentence in Chinese.
	b.fill("hl-community", "110105")
	b.do(chromedp.Click(chromedp.ID("hl-show")))
	b.waitJS(`!document.getElementById('hl-error').hidden`)
	visible("the error", b.text("#hl-error"), []string{"社区代码“110105”无效", "12 位社区"}, "invalid_community", "not valid")
	b.checkConsole()
}
