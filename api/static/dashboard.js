"use strict";
// Haizhi Match dashboard for bases, administrators and analysts: vanilla JS over /v1/dashboard/…, charts
// drawn with the vendored Chart.js (/static/vendor/chartjs), a table beside every chart. The API key and
// the language are shared with the station page (sessionStorage, same keys).

const KEY_STORAGE = "haizhi.apiKey";
const LANG_STORAGE = "haizhi.lang";

const I18N = {
  zh: {
    title: "海智匹配 · 基地与管理看板", toSearch: "专家推荐", logout: "退出", enter: "进入",
    keyLabel: "API 密钥（基地、管理员或分析员）", keyNote: "密钥只保存在本标签页的 sessionStorage 中，关闭标签页即清除。",
    badKey: "密钥无效或已吊销。", stationRefused: "工作站密钥请使用专家推荐页面；看板仅供基地、管理员和分析员使用。",
    year: "年度", scope: "范围", readOnly: "只读（分析员）", role: "角色", table: "数据表",
    evaluation: "工作站考核排名（动态管理）", monthly: "按月需求对接率与签约率", gaps: "导向目录缺口",
    gapsNote: "各领域中最佳专家偏弱或缺失的未解决需求数", stale: "专家资料过期", nightly: "夜间推送记录",
    deliveries: "最近一次发送", runs: "最近运行", index: "索引新鲜度",
    evalNote: "{period}；考核线 {threshold} 分；{flagged} 个工作站待复核（红色）。",
    rank: "名次", station: "工作站", name: "名称", base: "基地", score: "得分", posted: "发布需求",
    contacted: "已对接", signed: "已签约", docking: "对接率", signing: "签约率", days: "首次联系中位天数",
    amount: "合同金额（万元）", flagged: "待复核", reasons: "原因", month: "月份",
    field: "领域", industry: "行业", open: "未解决需求", weak: "缺口需求", supply: "可用专家", gapScore: "缺口指数",
    scopeAll: "全部（全计划）", overall: "全计划", expert: "专家", country: "国家", updated: "更新日期",
    months: "月数", matches: "匹配", engaged: "进行中", lastEngaged: "最近互动", action: "操作",
    confirm: "资料仍有效", confirmed: "已确认 {id} 的资料为最新。",
    staleNote: "超过 {months} 个月未更新或无更新日期：共 {total} 位（{unknown} 位无日期）；下表列出最久未更新的 {n} 位。",
    band_unknown: "无日期", "band_36+": "36 个月以上", "band_24–35": "24–35 个月", "band_<24": "不足 24 个月",
    staleCount: "过期资料数",
    failedBases: "推送失败的基地（下次运行自动重试）：{list}", nightlyNote: "最近发送日 {day}：共发送 {pairs} 对推荐。",
    noRuns: "尚无夜间运行记录。", runId: "运行", date: "日期", started: "开始（UTC）", status: "状态",
    dry: "演练", smtp: "SMTP 检查", error: "错误", recipients: "收件人", pairs: "推荐对数", demandsN: "需求数",
    expertsN: "专家数", attempts: "尝试次数",
    kind: "集合", stored: "数据库", indexed: "已索引", notIndexed: "未索引", changed: "已更改", deleted: "已删除",
    behind: "落后", version: "索引版本", kind_experts: "专家", kind_demands: "需求",
    indexOk: "索引与数据库一致。", indexBehind: "索引落后于数据库，请管理员运行 haizhi build-index。",
    yes: "是", no: "否", loading: "正在加载…", listSep: "；",
    st_running: "运行中", st_finished: "完成", st_partial: "部分失败", st_failed: "失败", st_sending: "发送中",
    st_sent: "已发送", st_nothing_new: "无新推荐", st_no_contacts: "无联系人", st_ok: "正常", st_skipped: "跳过",
  },
  en: {
    title: "Haizhi Match · bases' and administrators' dashboard", toSearch: "Expert search", logout: "Sign out",
    enter: "Enter", keyLabel: "API key (base, administrator or analyst)",
    keyNote: "The key is kept in this tab's sessionStorage only and is gone when the tab closes.",
    badKey: "Unknown or revoked key.",
    stationRefused: "Station keys use the expert search page; the dashboard is for bases, administrators and analysts.",
    year: "Year", scope: "Scope", readOnly: "Read-only (analyst)", role: "role", table: "Data table",
    evaluation: "Station evaluation ranking", monthly: "Docking and signing rates by month",
    gaps: "Guidance catalogue gaps", gapsNote: "Open demands per field whose best expert is weak or missing",
    stale: "Outdated expert profiles", nightly: "Nightly run ledger", deliveries: "Latest deliveries",
    runs: "Latest runs", index: "Index freshness",
    evalNote: "{period}; review threshold {threshold}; {flagged} stations to review (red).",
    rank: "Rank", station: "Station", name: "Name", base: "Base", score: "Score", posted: "Posted",
    contacted: "Contacted", signed: "Signed", docking: "Docking rate", signing: "Signing rate",
    days: "Median days to contact", amount: "Contracts (10k CNY)", flagged: "Review", reasons: "Reasons",
    month: "Month", field: "Field", industry: "Industry", open: "Open demands", weak: "Unmet", supply: "Experts",
    gapScore: "Gap score", scopeAll: "All (whole plan)", overall: "Whole plan", expert: "Expert",
    country: "Country", updated: "Updated", months: "Months", matches: "Matches", engaged: "Open",
    lastEngaged: "Last engaged", action: "Action", confirm: "Still current", confirmed: "Profile {id} confirmed as current.",
    staleNote: "Not updated for over {months} months or undated: {total} profiles ({unknown} undated); the {n} stalest below.",
    band_unknown: "no date", "band_36+": "36+ months", "band_24–35": "24–35 months", "band_<24": "under 24 months",
    staleCount: "Outdated profiles",
    failedBases: "Bases whose delivery failed (retried by the next run): {list}",
    nightlyNote: "Latest delivery day {day}: {pairs} recommendation pairs sent.", noRuns: "No nightly run yet.",
    runId: "Run", date: "Date", started: "Started (UTC)", status: "Status", dry: "Dry run", smtp: "SMTP check",
    error: "Error", recipients: "Recipients", pairs: "Pairs", demandsN: "Demands", expertsN: "Experts",
    attempts: "Attempts", kind: "Collection", stored: "Stored", indexed: "Indexed", notIndexed: "Not indexed",
    changed: "Changed", deleted: "Deleted", behind: "Behind", version: "Index version", kind_experts: "experts",
    kind_demands: "demands", indexOk: "The indexes match the database.",
    indexBehind: "The index is behind the database: ask an administrator to run haizhi build-index.",
    yes: "yes", no: "no", loading: "Loading…", listSep: "; ",
    st_running: "running", st_finished: "finished", st_partial: "partial", st_failed: "failed", st_sending: "sending",
    st_sent: "sent", st_nothing_new: "nothing new", st_no_contacts: "no contacts", st_ok: "ok", st_skipped: "skipped",
  },
};
const COLORS = { ok: "#0b5cad", flagged: "#b3261e", docking: "#0b5cad", signing: "#1e7b34", posted: "#c5dbf3",
  gap: "#d98a00", stale: "#66717d" };
const FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", system-ui, sans-serif';

const state = { lang: sessionStorage.getItem(LANG_STORAGE) || "zh", me: null, data: {}, charts: {} };
const $ = (selector) => document.querySelector(selector);

function t(key, values = {}) {
  let text = I18N[state.lang][key] ?? I18N.zh[key] ?? key;
  for (const [name, value] of Object.entries(values)) text = text.replace(`{${name}}`, value);
  return text;
}

async function api(path, options = {}) {
  const headers = { "X-API-Key": sessionStorage.getItem(KEY_STORAGE) || "" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method: options.method || "GET", headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(data.message || `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return data;
}

const pct = (x) => `${(100 * x).toFixed(1)}%`;
const num = (x) => (x === null || x === undefined ? "—" : String(x));
const label = (row) => (state.lang === "zh" ? row.label_zh : row.label_en);
const status = (s) => t(`st_${s}`);

// A table from column specs: [heading key, value(row), options {num, cls(row)}]; rows may get a class.
function fillTable(table, columns, rows, rowClass) {
  const head = document.createElement("tr");
  for (const [key, , opts] of columns) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = t(key);
    if (opts && opts.num) th.className = "num";
    head.append(th);
  }
  const thead = document.createElement("thead");
  thead.append(head);
  const tbody = document.createElement("tbody");
  for (const row of rows) {
    const tr = document.createElement("tr");
    if (rowClass) tr.className = rowClass(row) || "";
    for (const [, value, opts] of columns) {
      const td = document.createElement("td");
      const content = value(row);
      if (content instanceof Node) td.append(content); else td.textContent = content;
      if (opts && opts.num) td.className = "num";
      if (opts && opts.cls) td.classList.add(...opts.cls(row).split(" ").filter(Boolean));
      tr.append(td);
    }
    tbody.append(tr);
  }
  table.replaceChildren(thead, tbody);
}

function drawChart(name, canvas, config) {
  if (state.charts[name]) state.charts[name].destroy();
  config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options);
  state.charts[name] = new Chart(canvas, config);
}

function renderEvaluation() {
  const data = state.data.evaluation;
  if (!data) return;
  $("#evaluation-note").textContent = t("evalNote", {
    period: data.period, threshold: data.review_threshold, flagged: data.flagged,
  });
  const rows = data.stations;
  $("#chart-evaluation").parentElement.style.height = `${Math.max(220, rows.length * 20 + 70)}px`;
  drawChart("evaluation", $("#chart-evaluation"), {
    type: "bar",
    data: {
      labels: rows.map((r) => r.station_id),
      datasets: [{
        label: t("score"), data: rows.map((r) => r.score),
        backgroundColor: rows.map((r) => (r.flagged ? COLORS.flagged : COLORS.ok)),
      }],
    },
    options: {
      indexAxis: "y",
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { title: (items) => rows[items[0].dataIndex].name } },
      },
      scales: { x: { min: 0, max: 100, title: { display: true, text: t("score") } }, y: { ticks: { autoSkip: false } } },
    },
  });
  fillTable($("#table-evaluation"), [
    ["rank", (r) => r.rank, { num: true }],
    ["station", (r) => r.station_id],
    ["name", (r) => r.name],
    ["base", (r) => num(r.base_id)],
    ["score", (r) => r.score.toFixed(2), { num: true }],
    ["posted", (r) => r.demands_posted, { num: true }],
    ["docking", (r) => pct(r.docking_rate), { num: true }],
    ["signing", (r) => pct(r.signing_rate), { num: true }],
    ["days", (r) => num(r.median_days_to_first_contact), { num: true }],
    ["amount", (r) => r.contract_amount_wan.toFixed(1), { num: true }],
    ["flagged", (r) => (r.flagged ? t("yes") : ""), { cls: (r) => (r.flagged ? "flag" : "") }],
    ["reasons", (r) => r.reasons.map((x) => x.split(" / ")[state.lang === "zh" ? 1 : 0] || x).join("；")],
  ], rows, (r) => (r.flagged ? "flagged" : ""));
}

function renderScopes() {
  const data = state.data.monthly;
  if (!data) return;
  const select = $("#scope");
  const options = data.scopes.map((id) => {
    const el = document.createElement("option");
    el.value = id;
    el.textContent = id === "all" ? t("scopeAll") : id;
    return el;
  });
  select.replaceChildren(...options);
  select.value = data.scope_id;
}

function renderMonthly() {
  const data = state.data.monthly;
  if (!data) return;
  renderScopes();
  const months = data.months;
  drawChart("monthly", $("#chart-monthly"), {
    data: {
      labels: months.map((m) => m.month.slice(5)),
      datasets: [
        { type: "line", label: t("docking"), data: months.map((m) => 100 * m.docking_rate), borderColor: COLORS.docking,
          backgroundColor: COLORS.docking, yAxisID: "rate", tension: 0 },
        { type: "line", label: t("signing"), data: months.map((m) => 100 * m.signing_rate), borderColor: COLORS.signing,
          backgroundColor: COLORS.signing, yAxisID: "rate", tension: 0 },
        { type: "bar", label: t("posted"), data: months.map((m) => m.demands_posted), backgroundColor: COLORS.posted,
          yAxisID: "count" },
      ],
    },
    options: {
      plugins: { title: { display: true, text: `${data.year} · ${data.scope_id === "all" ? t("overall") : data.scope_name}` } },
      scales: {
        rate: { position: "left", min: 0, max: 100, title: { display: true, text: "%" } },
        count: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, ticks: { precision: 0 } },
      },
    },
  });
  fillTable($("#table-monthly"), [
    ["month", (m) => m.month],
    ["posted", (m) => m.demands_posted, { num: true }],
    ["contacted", (m) => m.contacted, { num: true }],
    ["signed", (m) => m.signed, { num: true }],
    ["docking", (m) => pct(m.docking_rate), { num: true }],
    ["signing", (m) => pct(m.signing_rate), { num: true }],
  ], months);
}

function renderGaps() {
  const data = state.data.gaps;
  if (!data) return;
  const rows = data.fields;
  drawChart("gaps", $("#chart-gaps"), {
    type: "bar",
    data: {
      labels: rows.map(label),
      datasets: [
        { label: t("weak"), data: rows.map((r) => r.weak_demands), backgroundColor: COLORS.gap },
        { label: t("open"), data: rows.map((r) => r.open_demands), backgroundColor: COLORS.posted },
      ],
    },
    options: {
      indexAxis: "y",
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { ticks: { autoSkip: false } } },
    },
  });
  fillTable($("#table-gaps"), [
    ["field", label],
    ["industry", (r) => r.industry],
    ["open", (r) => r.open_demands, { num: true }],
    ["weak", (r) => r.weak_demands, { num: true }],
    ["supply", (r) => r.supply_experts, { num: true }],
    ["gapScore", (r) => r.gap_score.toFixed(2), { num: true }],
  ], rows);
}

function confirmButton(row) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "small write-control";
  button.textContent = t("confirm");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api(`/v1/experts/${encodeURIComponent(row.expert_id)}`, {
        method: "PATCH", body: { updated_at: new Date().toISOString().slice(0, 10) },
      });
      state.data.stale = await api("/v1/dashboard/stale?limit=50");
      renderStale();
      $("#stale-msg").textContent = t("confirmed", { id: row.expert_id }); // after the list is redrawn
    } catch (error) {
      $("#stale-msg").textContent = error.message;
      button.disabled = false;
    }
  });
  return button;
}

function renderStale() {
  const data = state.data.stale;
  if (!data) return;
  $("#stale-note").textContent = t("staleNote", {
    months: data.months, total: data.total, unknown: data.unknown_date, n: data.items.length,
  });
  const bands = Object.keys(data.by_age);
  drawChart("stale", $("#chart-stale"), {
    type: "bar",
    data: {
      labels: bands.map((b) => t(`band_${b}`)),
      datasets: [{ label: t("staleCount"), data: bands.map((b) => data.by_age[b]), backgroundColor: COLORS.stale }],
    },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  const columns = [
    ["expert", (r) => `${r.name} (${r.expert_id})`],
    ["country", (r) => r.country],
    ["updated", (r) => num(r.updated_at)],
    ["months", (r) => num(r.months_since_update), { num: true }],
    ["matches", (r) => r.matches, { num: true }],
    ["engaged", (r) => r.open_engagements, { num: true }],
    ["lastEngaged", (r) => (r.last_engagement_at ? r.last_engagement_at.slice(0, 10) : "—")],
  ];
  if (data.scope.can_write) columns.push(["action", confirmButton]); // admin only; the server checks anyway
  fillTable($("#table-stale"), columns, data.items);
}

function renderNightly() {
  const data = state.data.nightly;
  if (!data) return;
  const failed = $("#failed-bases");
  if (data.failed_bases.length) {
    const list = data.failed_bases.map((d) => `${d.base_id} (${d.run_date}: ${d.error || status(d.status)})`);
    failed.textContent = t("failedBases", { list: list.join(t("listSep")) });
    failed.classList.remove("hidden");
  } else {
    failed.classList.add("hidden");
  }
  const day = data.deliveries.length ? data.deliveries[0].run_date : null;
  $("#nightly-note").textContent = day ? t("nightlyNote", { day, pairs: data.pairs_sent }) : t("noRuns");
  fillTable($("#table-deliveries"), [
    ["base", (d) => d.base_id],
    ["status", (d) => status(d.status), { cls: (d) => `status-${d.status}` }],
    ["pairs", (d) => d.pairs, { num: true }],
    ["demandsN", (d) => d.demands, { num: true }],
    ["expertsN", (d) => d.experts, { num: true }],
    ["recipients", (d) => (d.refused ? `${d.recipients} (−${d.refused})` : d.recipients), { num: true }],
    ["error", (d) => d.error],
  ], data.deliveries);
  fillTable($("#table-runs"), [
    ["date", (r) => r.run_date],
    ["status", (r) => status(r.status), { cls: (r) => `status-${r.status}` }],
    ["started", (r) => r.started_at.slice(0, 16).replace("T", " ")],
    ["smtp", (r) => (r.smtp_check ? status(r.smtp_check) : "—")],
    ["dry", (r) => (r.dry_run ? t("yes") : t("no"))],
    ["error", (r) => r.error],
  ], data.runs);
}

function renderIndex() {
  const data = state.data.index;
  if (!data) return;
  const line = $("#index-state");
  line.textContent = data.behind ? t("indexBehind") : t("indexOk");
  line.className = data.behind ? "behind" : "ok";
  fillTable($("#table-index"), [
    ["kind", (c) => t(`kind_${c.kind}`)],
    ["stored", (c) => c.stored, { num: true }],
    ["indexed", (c) => c.indexed, { num: true }],
    ["notIndexed", (c) => c.not_indexed, { num: true }],
    ["changed", (c) => c.changed, { num: true }],
    ["deleted", (c) => c.deleted, { num: true }],
    ["behind", (c) => c.behind, { num: true, cls: (c) => (c.behind ? "flag" : "") }],
    ["version", (c) => num(c.version)],
  ], data.collections);
}

function renderAll() {
  renderEvaluation();
  renderMonthly();
  renderGaps();
  renderStale();
  renderNightly();
  renderIndex();
}

function applyLanguage() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  $("#lang-switch").textContent = state.lang === "zh" ? "English" : "中文";
  showWho();
  renderAll();
}

function showWho() {
  const me = state.me;
  $("#whoami").textContent = me ? `${me.name} · ${t("role")}: ${me.role}${me.site_id ? " · " + me.site_id : ""}` : "";
}

async function load(parts) {
  const year = $("#year").value;
  const scope = $("#scope").value;
  const paths = {
    evaluation: `/v1/dashboard/evaluation?year=${year}`,
    monthly: `/v1/dashboard/monthly?year=${year}${scope ? `&scope=${encodeURIComponent(scope)}` : ""}`,
    gaps: "/v1/dashboard/gaps?top=15",
    stale: "/v1/dashboard/stale?limit=50",
    nightly: "/v1/dashboard/nightly?limit=10",
    index: "/v1/dashboard/index",
  };
  const wanted = parts || Object.keys(paths);
  $("#board-error").textContent = "";
  const results = await Promise.allSettled(wanted.map((name) => api(paths[name])));
  results.forEach((result, i) => {
    if (result.status === "fulfilled") state.data[wanted[i]] = result.value;
    else $("#board-error").textContent = result.reason.message;
  });
  renderAll();
}

async function signIn(key) {
  sessionStorage.setItem(KEY_STORAGE, key);
  try {
    state.me = await api("/v1/me");
  } catch (error) {
    sessionStorage.removeItem(KEY_STORAGE);
    $("#login-error").textContent = error.status === 401 ? t("badKey") : error.message;
    return;
  }
  if (state.me.role === "station") { // the server refuses station keys too (403)
    $("#login-error").textContent = t("stationRefused");
    return;
  }
  showWho();
  $("#login").classList.add("hidden");
  $("#board").classList.remove("hidden");
  $("#logout").classList.remove("hidden");
  $("#read-only").classList.toggle("hidden", state.me.role !== "analyst");
  document.body.dataset.role = state.me.role;
  await load();
  document.body.dataset.ready = "1"; // every panel answered: tests and users can look
}

function start() {
  Chart.defaults.font.family = FONT;
  Chart.defaults.color = "#1d2733";
  const thisYear = new Date().getFullYear();
  $("#year").replaceChildren(...[0, 1, 2].map((back) => {
    const el = document.createElement("option");
    el.value = el.textContent = String(thisYear - back);
    return el;
  }));
  $("#login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    signIn($("#api-key").value.trim());
  });
  $("#logout").addEventListener("click", () => { sessionStorage.removeItem(KEY_STORAGE); location.reload(); });
  $("#year").addEventListener("change", () => load(["evaluation", "monthly"]));
  $("#scope").addEventListener("change", () => load(["monthly"]));
  $("#lang-switch").addEventListener("click", () => {
    state.lang = state.lang === "zh" ? "en" : "zh";
    sessionStorage.setItem(LANG_STORAGE, state.lang);
    applyLanguage();
  });
  applyLanguage();
  const saved = sessionStorage.getItem(KEY_STORAGE);
  if (saved) signIn(saved);
}

start();
