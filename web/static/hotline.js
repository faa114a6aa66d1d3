// 社区年度十大问题: a community's (or the district's) top ten problems of a
// year from GET /v1/hotline/top-problems, as an SVG bar chart drawn here (no
// library, nothing from other hosts), the table and a print layout for the
// residents' meeting. The API key is the one the service-hall page keeps
// (sessionStorage only). Everything from the API is put in as text.
'use strict';

(function () {
  const KEY = 'residenthub.apiKey';
  const SVG = 'http://www.w3.org/2000/svg';
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...kids) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') n.className = v; else n.setAttribute(k, v);
    }
    for (const k of kids) if (k !== null && k !== undefined) n.append(k instanceof Node ? k : String(k));
    return n;
  }
  function svg(tag, attrs, text) {
    const n = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, String(v));
    if (text !== undefined) n.textContent = String(text);
    return n;
  }

  async function get(path, accept) {
    let resp;
    try {
      resp = await fetch(path, {
        headers: { Authorization: 'Bearer ' + (sessionStorage.getItem(KEY) || ''), Accept: accept || 'application/json', 'Accept-Language': 'zh-CN' },
        cache: 'no-store', credentials: 'omit',
      });
    } catch (e) {
      throw { status: 0, detail: '无法连接服务器，请检查网络后重试' };
    }
    if (!resp.ok) {
      let detail = resp.statusText;
      try { detail = (await resp.json()).detail || detail; } catch (e) { /* not JSON */ }
      throw { status: resp.status, detail };
    }
    return resp;
  }

  function showError(err) {
    const box = $('hl-error');
    box.replaceChildren(el('strong', null, '未能读取'), el('div', { class: 'detail' }, err.detail || String(err)));
    box.hidden = false;
    if (err.status === 401) { sessionStorage.removeItem(KEY); showLogin(); }
  }

  function pct(x) { return (x * 100).toFixed(1) + '%'; }
  function change(x) {
    if (x === null || x === undefined) return '—';
    return (x > 0 ? '+' : '') + (x * 100).toFixed(1) + '%';
  }

  // chart draws one horizontal bar per problem: the kind, the bar (cases),
  // the count; the widest bar is the first problem.
  function chart(problems) {
    const rowH = 34, left = 150, right = 70, width = 760;
    const height = Math.max(1, problems.length) * rowH + 10;
    const max = Math.max(1, ...problems.map((p) => p.cases));
    const s = svg('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', 'aria-label': '十大问题案件数柱状图' });
    problems.forEach((p, i) => {
      const y = 5 + i * rowH;
      const w = Math.max(2, (width - left - right) * p.cases / max);
      s.append(svg('text', { x: left - 10, y: y + rowH / 2 + 5, 'text-anchor': 'end', class: 'bar-label' }, p.rank + '. ' + p.kind));
      s.append(svg('rect', { x: left, y: y + 5, width: w, height: rowH - 12, rx: 3, class: 'bar' + (i < 3 ? ' top3' : '') }));
      s.append(svg('text', { x: left + w + 6, y: y + rowH / 2 + 5, class: 'bar-value' }, p.cases + ' 件'));
    });
    return s;
  }

  async function show(ev) {
    if (ev) ev.preventDefault();
    $('hl-error').hidden = true;
    const year = $('hl-year').value.trim();
    const community = $('hl-community').value.trim();
    const q = new URLSearchParams({ year });
    if (community) q.set('community', community);
    const url = new URL(location.href);
    url.search = q.toString();
    history.replaceState(null, '', url);
    try {
      const r = await (await get('../v1/hotline/top-problems?' + q.toString())).json();
      render(r);
    } catch (err) {
      $('hl-report').hidden = true;
      showError(err);
    }
  }

  function render(r) {
    const name = r.community.name || r.community.code;
    $('hl-title').textContent = `${name} ${r.year} 年度十大问题`;
    $('hl-sub').textContent = `全年 ${r.cases} 件案件（来电 ${r.calls} 次）` +
      (r.community.code ? `　社区代码 ${r.community.code}` : '') + `　上年 ${r.previous_year_cases} 件`;
    $('hl-chart').replaceChildren(r.problems.length ? chart(r.problems) : el('p', { class: 'muted' }, '本年度没有来电记录'));
    const tbody = $('hl-table').querySelector('tbody');
    tbody.replaceChildren(...r.problems.map((p) => el('tr', null,
      el('td', { class: 'n' }, p.rank), el('td', null, p.kind), el('td', { class: 'n' }, p.cases), el('td', { class: 'n' }, p.calls),
      el('td', { class: 'n' }, pct(p.share)), el('td', { class: 'n' }, change(p.change_vs_previous_year)),
      el('td', { class: 'n' }, pct(p.resolved_share)),
      el('td', { class: 'n' }, p.median_days_to_close === null ? '—' : p.median_days_to_close.toFixed(1)),
      el('td', null, p.committee))));
    $('hl-note').textContent = `同一案件编号、或同一来电人就同一社区同类问题在 ${r.case_window_days} 天内的重复来电，计为一件。同比变化为案件数与上年相比。`;
    const at = (s) => new Date(s).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
    if (r.computed_at) $('hl-note').textContent += `数据统计于 ${at(r.computed_at)}${r.tickets_until ? `（最近一次来电受理于 ${at(r.tickets_until)}）` : ''}。`;
    const u = r.unmapped;
    $('hl-unmapped').textContent = u.cases ? `另有 ${u.cases} 件诉求类别未归类（${u.categories.map((c) => c.category + ' ' + c.tickets + ' 次').join('、')}），未列入排名，请在配置中补充类别对应。` : '';
    if (r.unresolved_tickets) $('hl-unmapped').textContent += `　${r.unresolved_tickets} 次来电未能确定社区。`;
    $('hl-report').hidden = false;
  }

  async function exportCSV() {
    const q = new URLSearchParams({ year: $('hl-year').value.trim(), format: 'csv' });
    if ($('hl-community').value.trim()) q.set('community', $('hl-community').value.trim());
    try {
      const blob = await (await get('../v1/hotline/summary?' + q.toString(), 'text/csv')).blob();
      const a = el('a', { href: URL.createObjectURL(blob), download: `hotline-summary-${q.get('year')}-${q.get('community') || 'district'}.csv` });
      document.body.append(a);
      a.click();
      a.remove();
    } catch (err) {
      showError(err);
    }
  }

  function showLogin() {
    $('hl-login').hidden = false;
    $('hl-form').hidden = true;
  }

  function init() {
    const params = new URLSearchParams(location.search);
    $('hl-year').value = params.get('year') || String(new Date().getFullYear());
    $('hl-community').value = params.get('community') || '';
    $('hl-form').addEventListener('submit', show);
    $('hl-print').addEventListener('click', () => window.print());
    $('hl-csv').addEventListener('click', exportCSV);
    $('hl-login-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      sessionStorage.setItem(KEY, $('hl-key').value.trim());
      $('hl-login').hidden = true;
      $('hl-form').hidden = false;
      show();
    });
    if (!sessionStorage.getItem(KEY)) { showLogin(); return; }
    $('hl-form').hidden = false;
    show();
  }
  init();
})();
