// residenthub service-hall page. Plain JavaScript, no framework, no build
// step. It calls the hub's API with relative URLs, the clerk's API key
// (sessionStorage only) and the purpose of the visit (X-Purpose,
// percent-encoded UTF-8 because browsers send only Latin-1 headers), and
// asks for Chinese error details. Enum values, field labels, units and
// error headlines come from the hub's message catalogue (web/messages.json)
// and the programs' own labels; codes and identifiers for support staff are
// shown only with the 详情 (details) toggle. Everything from the API is put
// into the page as text, never as HTML.
'use strict';

(function () {
  const KEY = 'residenthub.apiKey';
  const DETAILS = 'residenthub.details';
  const $ = (id) => document.getElementById(id);

  // The catalogue (messages.Catalogue): {enums, labels, units, headlines}.
  let cat = { enums: {}, labels: {}, units: {}, headlines: {} };

  // el builds an element; strings become text nodes.
  function el(tag, attrs, ...kids) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
      else if (k === 'class') n.className = v;
      else n.setAttribute(k, v);
    }
    for (const k of kids.flat()) {
      if (k !== null && k !== undefined && k !== false) n.append(k instanceof Node ? k : String(k));
    }
    return n;
  }
  const en = (s) => el('span', { class: 'en' }, s);
  // dev is a developer identifier, shown only with the details toggle.
  const dev = (s) => el('code', { class: 'dev' }, s);

  // --- names ----------------------------------------------------------------

  // ctx is what the current answer adds to the catalogue: the program's
  // labels and units and the answer's place and source names.
  let ctx = { labels: {}, units: {}, places: {} };

  function labelText(key) {
    const l = ctx.labels[key] || cat.labels[key];
    return l ? l.zh : key;
  }
  // label is a field's Chinese label with its name for support staff.
  const label = (key) => [labelText(key), ' ', dev(key)];

  // enumName names an enum value: by the value's field, "<dataset>.<field>" first.
  function enumName(field, v) {
    const e = cat.enums[field];
    return e && e[v] ? e[v].zh : null;
  }
  const isPlaceKey = (k) => /_division$/.test(k) || /^community_code/.test(k) || k === 'district_prefix';
  const DATE_UTC = /^\d{4}-\d{2}-\d{2}T00:00:00Z$/;

  // yuan formats integer fen as yuan with two decimals: 132000 → "1,320.00".
  function yuan(fen) {
    const n = Math.round(Number(fen));
    const a = Math.abs(n);
    return (n < 0 ? '-' : '') + Math.floor(a / 100).toLocaleString('en-US') + '.' + String(a % 100).padStart(2, '0');
  }

  const cst = new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  });
  // instant shows an RFC 3339 instant in China Standard Time: "2026-11-19 10:00".
  function instant(s) {
    if (!s) return '—';
    const d = new Date(s);
    if (isNaN(d) || d.getUTCFullYear() <= 1) return '—';
    const p = Object.fromEntries(cst.formatToParts(d).map((x) => [x.type, x.value]));
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
  }
  const dateOnly = (s) => (typeof s === 'string' && s.length >= 10 ? s.slice(0, 10) : '—');

  // unitOf names key's unit from the answer's units (the program's labels).
  function unitOf(key) {
    const u = ctx.units[key] || (ctx.labels[key] && ctx.labels[key].unit);
    return u && cat.units[u] ? cat.units[u].zh : '';
  }

  const isMoney = (key, v) => /_fen$/.test(key) && (typeof v === 'number' || /^-?\d+$/.test(v));

  // scalar renders one value: money in yuan with its unit (bare, when the
  // unit is in a table's header), enum values and places by name (the code
  // behind the toggle), dates, yes/no.
  function scalar(key, v, bare) {
    if (v === null || v === undefined || v === '') return '—';
    if (typeof v === 'boolean') return v ? '是' : '否';
    if (isMoney(key, v)) return bare ? yuan(v) : yuan(v) + ' ' + (unitOf(key) || '元');
    if (typeof v === 'number') {
      const u = unitOf(key);
      return u ? v + ' ' + u : String(v);
    }
    if (typeof v === 'string' && DATE_UTC.test(v)) return v.startsWith('0001-') ? '—' : v.slice(0, 10);
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) return instant(v);
    if (typeof v === 'string' && isPlaceKey(key)) {
      const name = ctx.places[v];
      return name ? el('span', null, name, ' ', dev(v)) : v;
    }
    const name = enumName(/_decision$/.test(key) ? 'decision' : key, v);
    if (name) return el('span', null, name, ' ', dev(v));
    return String(v);
  }

  // isMember: an object naming a household member (relation, masked name).
  const isMember = (x) => x && typeof x === 'object' && 'name_masked' in x;
  function memberName(m) {
    return el('span', { class: 'member' }, [m.relation || '成员', ' ', m.name_masked || ''].join('').trim(), ' ', dev(m.member || ''));
  }

  // header is a column's label, with the unit of money columns in short
  // (养老金（元/月）, 计算期工资收入合计（元）).
  function header(key, money) {
    const unit = (unitOf(key) || '元').split('（')[0];
    return money ? [labelText(key), '（', unit, '）', ' ', dev(key)] : label(key);
  }

  // isMemberList: members named only (relation, masked name, ID), shown inline.
  const isMemberList = (v) => v.every(isMember) && v.every((m) => Object.keys(m).every((k) => ['relation', 'name_masked', 'member'].includes(k)));

  // valueNode renders any JSON value: lists of members and objects as a
  // small table, other lists joined with 、.
  function valueNode(key, v) {
    if (Array.isArray(v)) {
      if (v.length === 0) return el('span', { class: 'muted' }, '无');
      if (isMemberList(v)) {
        return el('span', null, v.map((m, i) => [i ? '、' : '', memberName(m)]));
      }
      if (v.every((x) => x && typeof x === 'object' && !Array.isArray(x))) {
        const members = v.every(isMember);
        const cols = [...new Set(v.flatMap(Object.keys))].filter((c) => !members || !['relation', 'name_masked', 'member'].includes(c));
        const money = Object.fromEntries(cols.map((c) => [c, v.every((row) => row[c] === undefined || isMoney(c, row[c]))]));
        return el('table', { class: 'inner' },
          el('tr', null, members ? el('th', null, '成员') : null, cols.map((c) => el('th', null, header(c, money[c])))),
          v.map((row) => el('tr', null, members ? el('td', { class: 'who' }, memberName(row)) : null,
            cols.map((c) => el('td', { class: money[c] ? 'num' : '' }, money[c] ? scalar(c, row[c], true) : valueNode(c, row[c]))))));
      }
      return el('span', null, v.map((x, i) => [i ? '、' : '', scalar(key, x)]));
    }
    if (v && typeof v === 'object') return kvTable(v, 'inner');
    return scalar(key, v);
  }

  // kvTable lists an object's values, monthly amounts first (the answer a
  // clerk reads out), then by name.
  function kvTable(obj, cls) {
    const rank = (k) => (/^monthly_/.test(k) || unitOf(k) === (cat.units.fen_per_month || {}).zh ? 0 : 1);
    const keys = Object.keys(obj).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
    const isTable = (v) => Array.isArray(v) && v.length > 0 && v.every((x) => x && typeof x === 'object');
    return el('table', { class: cls || 'kv' },
      keys.map((k) => (isTable(obj[k]) && !isMemberList(obj[k])
        // a list of records: its label above it, the whole width for the table
        ? el('tr', null, el('td', { colspan: '2', class: 'wide' }, el('div', { class: 'sub-label' }, label(k)), valueNode(k, obj[k])))
        : el('tr', null, el('th', null, label(k)), el('td', null, valueNode(k, obj[k]))))));
  }

  // --- API -------------------------------------------------------------------

  // APIError is an answer {error, detail} (or a network failure, status 0).
  class APIError extends Error {
    constructor(status, code, detail) {
      super(detail);
      this.status = status;
      this.code = code;
      this.detail = detail;
    }
  }

  // api sends a request with the key (and purpose, body) and returns the response.
  async function api(path, opts) {
    const o = opts || {};
    const headers = {
      Authorization: 'Bearer ' + (sessionStorage.getItem(KEY) || ''),
      Accept: o.accept || 'application/json',
      'Accept-Language': 'zh-CN',
    };
    if (o.purpose) headers['X-Purpose'] = encodeURIComponent(o.purpose);
    if (o.body) headers['Content-Type'] = 'application/json';
    try {
      return await fetch(path, {
        method: o.method || 'GET', headers, body: o.body ? JSON.stringify(o.body) : undefined,
        cache: 'no-store', credentials: 'omit',
      });
    } catch (e) {
      throw new APIError(0, 'network', '请检查网络连接后重试（' + e.message + '）');
    }
  }

  // json reads a JSON answer; an error answer throws APIError.
  async function json(resp) {
    const type = resp.headers.get('Content-Type') || '';
    if (type.startsWith('application/json')) {
      const body = await resp.json();
      if (!resp.ok) throw new APIError(resp.status, body.error || 'http_' + resp.status, body.detail || '');
      return body;
    }
    const text = (await resp.text()).slice(0, 300);
    throw new APIError(resp.status, 'http_' + resp.status, text || resp.statusText);
  }

  function errorNode(err) {
    const e = err instanceof APIError ? err : new APIError(0, 'internal', String(err && err.message || err));
    const h = cat.headlines[e.code] || cat.headlines.request_failed;
    const headline = h ? h.zh : '请求失败';
    // The API's detail is a whole sentence; do not say its start twice.
    let detail = e.detail || '';
    if (detail.startsWith(headline)) detail = detail.slice(headline.length).replace(/^[：:，,；;。\s]+/, '');
    return [
      el('strong', null, headline),
      el('div', { class: 'detail' }, detail),
      el('div', { class: 'code dev' }, (e.status ? 'HTTP ' + e.status + ' · ' : '') + e.code),
    ];
  }
  function showError(box, err) {
    box.replaceChildren(...errorNode(err));
    box.hidden = false;
    if (err instanceof APIError && err.status === 401 && box.id === 'error') {
      sessionStorage.removeItem(KEY);
      showLogin(err);
    }
  }

  // --- API key -------------------------------------------------------------

  function showLogin(err) {
    $('work').hidden = true;
    $('session').hidden = true;
    $('login').hidden = false;
    const box = $('login-error');
    box.hidden = !err;
    if (err) box.replaceChildren(...errorNode(err));
    $('key').value = '';
    $('key').focus();
  }

  async function startWork() {
    try {
      await loadPrograms();
    } catch (err) {
      if (err instanceof APIError && err.status === 401) sessionStorage.removeItem(KEY);
      showLogin(err);
      return;
    }
    $('login').hidden = true;
    $('session').hidden = false;
    $('work').hidden = false;
    $('purpose').focus();
  }

  // --- programs ------------------------------------------------------------

  let programs = [];
  const programOf = (id) => programs.find((x) => x.id === id);
  const titleZh = (t) => (t && typeof t === 'object' ? t.zh : t) || '';
  const titleEn = (t) => (t && typeof t === 'object' ? t.en : '') || '';

  async function loadPrograms() {
    const asOf = $('as-of').value;
    const body = await json(await api('v1/programs' + (asOf ? '?as_of=' + encodeURIComponent(asOf) : '')));
    programs = body.programs || [];
    const sel = $('program');
    const keep = sel.value;
    sel.replaceChildren(...programs.map((p) => el('option', { value: p.id }, titleZh(p.title))));
    if (programs.some((p) => p.id === keep)) sel.value = keep;
    showProgram();
  }

  function showProgram() {
    const p = programOf($('program').value);
    const box = $('program-info');
    if (!p) {
      box.replaceChildren();
      return;
    }
    ctx = { labels: p.labels || {}, units: {}, places: {} };
    const overdue = {};
    (p.overdue_parameters || []).forEach((o) => { overdue[o.name] = o; });
    const rows = Object.keys(p.parameters || {}).sort().map((name) => {
      const f = p.parameters[name].in_force;
      const o = overdue[name];
      return el('tr', o ? { class: 'overdue', 'data-overdue': name } : null, el('th', null, label(name)),
        el('td', null, f ? scalar(name, f.value) : '—（未生效）'),
        el('td', { class: 'muted' }, f ? '自 ' + dateOnly(f.effective_from) + ' 起' : ''),
        el('td', { class: 'warn' }, o ? '已过复核期（' + o.review_due + ' 起），核验结果均需人工审核' : ''));
    });
    box.replaceChildren(
      el('p', null, el('strong', null, titleZh(p.title)), ' ', en(titleEn(p.title)), ' ', dev(p.id)),
      el('p', null, p.description.zh, ' ', en(p.description.en)),
      el('p', { class: 'sub' }, '现行参数（', p.date, ' 有效）'),
      el('table', { class: 'kv params' }, rows));
  }

  // --- checks --------------------------------------------------------------

  async function submitCheck(ev) {
    ev.preventDefault();
    const req = {
      program: $('program').value,
      id_number: $('id-number').value.trim(),
      name: $('name').value.trim(),
      purpose: $('purpose').value.trim(),
    };
    const body = { program: req.program, id_number: req.id_number, name: req.name };
    if ($('as-of').value) body.as_of = $('as-of').value;
    clearResult();
    const btn = $('submit');
    btn.disabled = true;
    btn.textContent = '核验中…';
    try {
      const d = await json(await api('v1/checks', { method: 'POST', body, purpose: req.purpose }));
      renderDecision(d, req);
    } catch (err) {
      showError($('error'), err);
    } finally {
      btn.disabled = false;
      btn.textContent = '提交核验';
    }
  }

  function clearResult() {
    $('error').hidden = true;
    $('result').replaceChildren();
    closeCertificate();
  }

  function section(title, enTitle, ...body) {
    return el('section', { class: 'card' }, el('h3', null, title, ' ', en(enTitle)), ...body);
  }

  function renderDecision(d, req) {
    const p = programOf(d.program) || {};
    ctx = { labels: p.labels || {}, units: d.units || {}, places: d.place_names || {} };
    const dz = (cat.enums.decision || {})[d.decision] || { zh: d.decision, en: d.decision };
    const banner = el('div', { class: 'banner ' + d.decision, 'data-decision': d.decision },
      el('div', { class: 'verdict' }, dz.zh, ' ', el('span', { class: 'verdict-en' }, dz.en)),
      el('div', { class: 'meta' }, titleZh(d.title), ' · 核验日期 ', d.date, ' · 申请人 ', d.applicant));
    if (d.program === 'residence_certificate' && d.decision === 'eligible') {
      banner.append(el('button', { type: 'button', id: 'print-cert', class: 'print', onclick: () => openCertificate(req) },
        '打印居住证明'));
    }
    const parts = [banner];
    const amounts = d.amounts || {};
    if (Object.keys(amounts).length) {
      parts.push(d.amounts_provisional
        ? section('暂定结果（待人工审核，不可发放）', 'Provisional outcomes', kvTable(amounts, 'kv amounts'))
        : section('核验结果', 'Outcomes', kvTable(amounts, 'kv amounts')));
    }
    const notes = d.missing_text || (d.missing || []).map((m) => ({ zh: m, en: m }));
    if (notes.length) {
      parts.push(section('缺失或过期的数据', 'Missing or stale data',
        el('ul', { class: 'missing' }, notes.map((m) => el('li', null, m.zh, ' ', el('span', { class: 'dev' }, m.en))))));
    }
    parts.push(section('规则', 'Rules', rulesTable(d.rules || [])));
    parts.push(section('适用参数', 'Parameters in force', paramsTable(d.parameters || {})));
    parts.push(section('数据依据', 'Evidence', evidenceTable(d.evidence || [])));
    $('result').replaceChildren(...parts);
    banner.scrollIntoView({ block: 'start' });
  }

  function rulesTable(rules) {
    return el('table', { class: 'rules' },
      el('tr', null, el('th', null, '结果'), el('th', null, '规则'), el('th', null, '使用的数值')),
      rules.map((r) => {
        const o = (cat.enums.outcome || {})[r.outcome] || { zh: r.outcome };
        return el('tr', { 'data-rule': r.id },
          el('td', null, el('span', { class: 'badge ' + r.outcome }, o.zh),
            r.kind === 'review_flag' ? el('div', { class: 'muted' }, '复核项') : null),
          el('td', null, el('div', null, r.description.zh), en(r.description.en), el('div', null, dev(r.id)),
            r.error ? el('div', { class: 'rule-error dev' }, r.error) : null),
          el('td', null, kvTable(r.values || {}, 'kv values')));
      }));
  }

  function paramsTable(params) {
    return el('table', { class: 'list' },
      el('tr', null, el('th', null, '参数'), el('th', null, '数值'), el('th', null, '生效日期'), el('th', null, '依据')),
      Object.keys(params).sort().map((name) => {
        const p = params[name];
        const src = p.source && typeof p.source === 'object' ? p.source : { zh: p.source, en: '' };
        return el('tr', null, el('td', null, label(name)), el('td', { class: 'num' }, scalar(name, p.value)),
          el('td', null, dateOnly(p.effective_from)),
          el('td', { class: 'source' }, src.zh, src.en && src.en !== src.zh ? el('div', { class: 'en' }, src.en) : null));
      }));
  }

  function evidenceTable(ev) {
    if (!ev.length) return el('p', { class: 'muted' }, '无');
    const ds = cat.enums.dataset || {};
    return el('table', { class: 'list' },
      el('tr', null, el('th', null, '数据类别'), el('th', null, '提供部门'), el('th', { class: 'dev' }, '记录'), el('th', null, '登记时间')),
      ev.map((e) => el('tr', null,
        el('td', null, (ds[e.dataset] || { zh: e.dataset }).zh, ' ', dev(e.dataset)),
        el('td', null, e.source_name || e.source, e.source_name ? [' ', dev(e.source)] : null),
        el('td', { class: 'dev' }, el('code', null, e.record_key)),
        el('td', null, instant(e.source_time)))));
  }

  // --- residence certificate -------------------------------------------------

  let certURL = '';

  async function openCertificate(req) {
    $('error').hidden = true;
    try {
      const resp = await api('v1/residents/' + encodeURIComponent(req.id_number) + '/certificates/residence?name=' + encodeURIComponent(req.name),
        { accept: 'text/html', purpose: req.purpose });
      const type = resp.headers.get('Content-Type') || '';
      if (!type.startsWith('text/html')) {
        await json(resp); // throws the API's error {error, detail}
        throw new APIError(resp.status, 'unexpected', '服务器没有返回证明页面');
      }
      const blob = new Blob([await resp.arrayBuffer()], { type: 'text/html;charset=utf-8' });
      closeCertificate();
      certURL = URL.createObjectURL(blob);
      $('cert-frame').src = certURL;
      $('certificate').hidden = false;
      $('certificate').scrollIntoView({ block: 'start' });
    } catch (err) {
      showError($('error'), err);
    }
  }

  function closeCertificate() {
    $('certificate').hidden = true;
    $('cert-frame').removeAttribute('src');
    if (certURL) URL.revokeObjectURL(certURL);
    certURL = '';
  }

  // --- details toggle --------------------------------------------------------

  function setDetails(on) {
    document.body.classList.toggle('show-dev', on);
    $('details').setAttribute('aria-pressed', on ? 'true' : 'false');
    $('details').textContent = on ? '隐藏详情' : '详情';
    if (on) sessionStorage.setItem(DETAILS, '1');
    else sessionStorage.removeItem(DETAILS);
  }

  // --- start ---------------------------------------------------------------

  async function loadCatalogue() {
    try {
      const resp = await fetch('web/messages.json', { cache: 'no-cache', credentials: 'omit' });
      if (resp.ok) cat = await resp.json();
    } catch (e) {
      // The page still works with the codes themselves.
    }
  }

  async function init() {
    $('as-of').max = new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
    setDetails(sessionStorage.getItem(DETAILS) === '1');
    $('details').addEventListener('click', () => setDetails(!document.body.classList.contains('show-dev')));
    $('login-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const k = $('key').value.trim();
      if (!k) return;
      sessionStorage.setItem(KEY, k);
      startWork();
    });
    $('logout').addEventListener('click', () => {
      sessionStorage.removeItem(KEY);
      clearResult();
      showLogin(null);
    });
    $('check-form').addEventListener('submit', submitCheck);
    $('clear').addEventListener('click', () => {
      const hadDate = $('as-of').value !== '';
      for (const id of ['id-number', 'name', 'as-of']) $(id).value = '';
      clearResult();
      if (hadDate) loadPrograms().catch((err) => showError($('error'), err));
      $('id-number').focus();
    });
    $('program').addEventListener('change', showProgram);
    $('as-of').addEventListener('change', () => loadPrograms().catch((err) => showError($('error'), err)));
    $('cert-print').addEventListener('click', () => $('cert-frame').contentWindow.print());
    $('cert-open').addEventListener('click', () => { if (certURL) window.open(certURL, '_blank'); });
    $('cert-close').addEventListener('click', closeCertificate);
    await loadCatalogue();
    if (sessionStorage.getItem(KEY)) startWork();
    else showLogin(null);
  }

  init();
}());
