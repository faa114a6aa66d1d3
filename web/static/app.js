// residenthub service-hall page. Plain JavaScript, no framework, no build
// step. It calls the hub's API with relative URLs, the clerk's API key
// (sessionStorage only) and the purpose of the visit (X-Purpose,
// percent-encoded UTF-8 because browsers send only Latin-1 headers).
// Everything from the API is put into the page as text, never as HTML.
'use strict';

(function () {
  const KEY = 'residenthub.apiKey';
  const $ = (id) => document.getElementById(id);

  const DECISIONS = {
    eligible: { zh: '符合条件', en: 'Eligible' },
    ineligible: { zh: '不符合条件', en: 'Ineligible' },
    needs_review: { zh: '需人工审核', en: 'Needs review' },
  };
  const OUTCOMES = {
    pass: { zh: '通过', en: 'pass' },
    fail: { zh: '不通过', en: 'fail' },
    review: { zh: '需复核', en: 'review' },
    unknown: { zh: '无法判断', en: 'unknown' },
  };
  const DATASETS = {
    person: '户籍', residence: '居住', social_insurance: '社保', employment: '工资收入',
    health: '健康', asset: '资产', hotline_ticket: '12345 热线',
  };
  // Chinese labels of the parameter, value and outcome names the programs
  // use; other names are shown as they are.
  const LABELS = {
    standard_fen: '低保标准（每人每月）', income_months: '收入计算月数', deposit_limit_months: '存款上限（月数）',
    max_real_estate: '房产上限（套）', max_vehicles: '机动车上限（辆）', district_prefix: '辖区区划代码',
    per_capita_income_fen: '家庭月人均收入', member_count: '家庭人数', members: '家庭成员', member: '成员',
    monthly_allowance_fen: '每月低保金', deposit_fen: '家庭存款', deposit_limit_fen: '存款上限',
    real_estate_count: '房产（套）', vehicle_count: '机动车（辆）', pension_fen: '养老金（每月）',
    employment_income_fen: '计算期工资收入合计', found: '有登记', status: '状态', hukou_division: '户籍区划',
    community_codes: '居住社区代码', name: '姓名', id_number: '身份证号', address: '居住地址',
    community_code: '社区代码', since: '居住起始日期', evidence_kind: '居住依据', age: '年龄',
  };
  const ERRORS = {
    unauthenticated: 'API 密钥缺失或无效，请重新输入密钥',
    forbidden: '该密钥无权使用此功能',
    missing_purpose: '请填写办事事由',
    invalid_purpose: '办事事由不符合要求',
    name_mismatch: '姓名与身份证号不符',
    person_not_found: '查无此人：没有该身份证号的人口登记',
    invalid_id_number: '身份证号码无效',
    invalid_name: '姓名无效',
    invalid_as_of: '核验日期无效',
    missing_name: '请填写姓名',
    missing_id_number: '请填写身份证号',
    missing_program: '请选择业务',
    unknown_program: '没有该业务',
    not_eligible: '不能开具证明',
    audit_unavailable: '审计服务暂不可用，现在不能查询，请稍后再试',
    profile_unavailable: '人口数据暂时无法读取，请稍后再试',
    network: '无法连接服务器',
  };

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
  const label = (key) => [LABELS[key] || key, ' ', el('code', null, key)];

  // yuan formats integer fen as yuan with two decimals: 132000 → "1,320.00 元".
  function yuan(fen) {
    const n = Math.round(Number(fen));
    const a = Math.abs(n);
    return (n < 0 ? '-' : '') + Math.floor(a / 100).toLocaleString('en-US') + '.' + String(a % 100).padStart(2, '0') + ' 元';
  }

  const cst = new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  });
  // instant shows an RFC 3339 instant in China Standard Time: "2026-11-19 10:00".
  function instant(s) {
    const d = new Date(s);
    if (isNaN(d) || d.getUTCFullYear() <= 1) return '—'; // Go's zero time: unknown
    const p = Object.fromEntries(cst.formatToParts(d).map((x) => [x.type, x.value]));
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
  }
  const dateOnly = (s) => (typeof s === 'string' && s.length >= 10 ? s.slice(0, 10) : '—');

  // scalar formats one value; money is fen in names ending in _fen.
  function scalar(key, v) {
    if (v === null || v === undefined || v === '') return '—';
    if (/_fen$/.test(key) && (typeof v === 'number' || /^-?\d+$/.test(v))) return yuan(v);
    if (typeof v === 'boolean') return v ? '是 yes' : '否 no';
    // A calendar date travels as UTC midnight (birth dates, "since"): show the day itself.
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T00:00:00Z$/.test(v)) return v.startsWith('0001-') ? '—' : v.slice(0, 10);
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) return instant(v);
    return String(v);
  }

  // valueNode renders any JSON value: lists of objects as a small table.
  function valueNode(key, v) {
    if (Array.isArray(v)) {
      if (v.length === 0) return el('span', { class: 'muted' }, '无 none');
      if (v.every((x) => x && typeof x === 'object' && !Array.isArray(x))) {
        const cols = [...new Set(v.flatMap(Object.keys))];
        return el('table', { class: 'inner' },
          el('tr', null, cols.map((c) => el('th', null, label(c)))),
          v.map((row) => el('tr', null, cols.map((c) => el('td', null, valueNode(c, row[c]))))));
      }
      return v.map((x) => scalar(key, x)).join('、');
    }
    if (v && typeof v === 'object') return kvTable(v, 'inner');
    return scalar(key, v);
  }

  function kvTable(obj, cls) {
    return el('table', { class: cls || 'kv' },
      Object.keys(obj).sort().map((k) => el('tr', null, el('th', null, label(k)), el('td', null, valueNode(k, obj[k])))));
  }

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
    const headers = { Authorization: 'Bearer ' + (sessionStorage.getItem(KEY) || ''), Accept: o.accept || 'application/json' };
    if (o.purpose) headers['X-Purpose'] = encodeURIComponent(o.purpose);
    if (o.body) headers['Content-Type'] = 'application/json';
    try {
      return await fetch(path, {
        method: o.method || 'GET', headers, body: o.body ? JSON.stringify(o.body) : undefined,
        cache: 'no-store', credentials: 'omit',
      });
    } catch (e) {
      throw new APIError(0, 'network', 'cannot reach the hub: ' + e.message);
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
    return [
      el('strong', null, ERRORS[e.code] || '请求失败 Request failed'),
      el('div', { class: 'detail' }, e.detail),
      el('div', { class: 'code' }, (e.status ? 'HTTP ' + e.status + ' · ' : '') + e.code),
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

  async function loadPrograms() {
    const asOf = $('as-of').value;
    const body = await json(await api('v1/programs' + (asOf ? '?as_of=' + encodeURIComponent(asOf) : '')));
    programs = body.programs || [];
    const sel = $('program');
    const keep = sel.value;
    sel.replaceChildren(...programs.map((p) => el('option', { value: p.id }, p.title + ' · ' + p.id)));
    if (programs.some((p) => p.id === keep)) sel.value = keep;
    showProgram();
  }

  function showProgram() {
    const p = programs.find((x) => x.id === $('program').value);
    const box = $('program-info');
    if (!p) {
      box.replaceChildren();
      return;
    }
    const overdue = {};
    (p.overdue_parameters || []).forEach((o) => { overdue[o.name] = o; });
    const rows = Object.keys(p.parameters || {}).sort().map((name) => {
      const f = p.parameters[name].in_force;
      const o = overdue[name];
      return el('tr', o ? { class: 'overdue', 'data-overdue': name } : null, el('th', null, label(name)),
        el('td', null, f ? scalar(name, f.value) : '—（未生效 none in force）'),
        el('td', { class: 'muted' }, f ? '自 ' + dateOnly(f.effective_from) + ' 起' : ''),
        el('td', { class: 'warn' }, o ? '已过复核期（' + o.review_due + ' 起），核验结果均需人工审核 ' : '',
          o ? en('Overdue for review since ' + o.review_due + ': every check needs review') : ''));
    });
    box.replaceChildren(
      el('p', null, p.description.zh, ' ', en(p.description.en)),
      el('p', { class: 'sub' }, '参数（', p.date, ' 有效）', en('Parameters in force')),
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
    btn.textContent = '核验中… Checking';
    try {
      const d = await json(await api('v1/checks', { method: 'POST', body, purpose: req.purpose }));
      renderDecision(d, req);
    } catch (err) {
      showError($('error'), err);
    } finally {
      btn.disabled = false;
      btn.textContent = '提交核验 Check';
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
    const dz = DECISIONS[d.decision] || { zh: d.decision, en: d.decision };
    const banner = el('div', { class: 'banner ' + d.decision, 'data-decision': d.decision },
      el('div', { class: 'verdict' }, dz.zh, ' ', el('span', { class: 'verdict-en' }, dz.en)),
      el('div', { class: 'meta' }, d.title, ' · 核验日期 ', d.date, ' · 申请人 ', d.applicant));
    if (d.program === 'residence_certificate' && d.decision === 'eligible') {
      banner.append(el('button', { type: 'button', id: 'print-cert', class: 'print', onclick: () => openCertificate(req) },
        '打印居住证明 Print certificate'));
    }
    const parts = [banner];
    const amounts = d.amounts || {};
    if (Object.keys(amounts).length) {
      parts.push(d.amounts_provisional
        ? section('暂定结果（待人工审核，不可发放）', 'Provisional outcomes — not payable until reviewed', kvTable(amounts, 'kv amounts'))
        : section('核验结果', 'Outcomes', kvTable(amounts, 'kv amounts')));
    }
    if ((d.missing || []).length) {
      parts.push(section('缺失或过期的数据', 'Missing or stale data',
        el('ul', { class: 'missing' }, d.missing.map((m) => el('li', null, m)))));
    }
    parts.push(section('规则', 'Rules', rulesTable(d.rules || [])));
    parts.push(section('适用参数', 'Parameters in force', paramsTable(d.parameters || {})));
    parts.push(section('数据依据', 'Evidence (' + (d.evidence || []).length + ')', evidenceTable(d.evidence || [])));
    $('result').replaceChildren(...parts);
    banner.scrollIntoView({ block: 'start' });
  }

  function rulesTable(rules) {
    return el('table', { class: 'rules' },
      el('tr', null, el('th', null, '结果 Outcome'), el('th', null, '规则 Rule'), el('th', null, '使用的数值 Values')),
      rules.map((r) => {
        const o = OUTCOMES[r.outcome] || { zh: r.outcome, en: r.outcome };
        return el('tr', { 'data-rule': r.id },
          el('td', null, el('span', { class: 'badge ' + r.outcome }, o.zh, ' ', o.en),
            r.kind === 'review_flag' ? el('div', { class: 'muted' }, '复核项 review flag') : null),
          el('td', null, el('div', null, r.description.zh), en(r.description.en), el('div', null, el('code', null, r.id)),
            r.error ? el('div', { class: 'rule-error' }, r.error) : null),
          el('td', null, kvTable(r.values || {}, 'kv values')));
      }));
  }

  function paramsTable(params) {
    return el('table', { class: 'list' },
      el('tr', null, el('th', null, '参数 Parameter'), el('th', null, '数值 Value'), el('th', null, '生效日期 From'), el('th', null, '依据 Source')),
      Object.keys(params).sort().map((name) => {
        const p = params[name];
        return el('tr', null, el('td', null, label(name)), el('td', { class: 'num' }, scalar(name, p.value)),
          el('td', null, dateOnly(p.effective_from)), el('td', { class: 'source' }, p.source));
      }));
  }

  function evidenceTable(ev) {
    if (!ev.length) return el('p', { class: 'muted' }, '无 none');
    return el('table', { class: 'list' },
      el('tr', null, el('th', null, '数据集 Dataset'), el('th', null, '来源 Source'), el('th', null, '记录 Record'), el('th', null, '来源时间 Source time')),
      ev.map((e) => el('tr', null, el('td', null, (DATASETS[e.dataset] || '') + ' ', el('code', null, e.dataset)),
        el('td', null, e.source), el('td', null, el('code', null, e.record_key)), el('td', null, instant(e.source_time)))));
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
        throw new APIError(resp.status, 'unexpected', 'the hub did not answer with a certificate page');
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

  // --- start ---------------------------------------------------------------

  function init() {
    $('as-of').max = new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
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
    if (sessionStorage.getItem(KEY)) startWork();
    else showLogin(null);
  }

  init();
}());
