"use strict";
// Haizhi Match station page: vanilla JS, no build step. The API key lives in sessionStorage only.

const KEY_STORAGE = "haizhi.apiKey";
const LANG_STORAGE = "haizhi.lang";

const I18N = {
  zh: {
    title: "海智匹配 · 专家推荐", logout: "退出", enter: "进入",
    keyLabel: "API 密钥（由管理员通过 haizhi keys create 创建）",
    keyNote: "密钥只保存在本标签页的 sessionStorage 中，关闭标签页即清除。",
    pickDemand: "选择本站需求", freeText: "— 自由输入需求 —", topK: "推荐人数",
    needLabel: "技术需求（中文或英文）", needPlaceholder: "例如：需要锂电池固态电解质方面的海外专家，解决界面阻抗问题",
    filters: "筛选", industry: "行业", country: "国家（如 US,DE）", mode: "合作方式", language: "语言", any: "不限",
    search: "推荐专家", results: "推荐结果", profile: "查看简介", close: "关闭", note: "备注",
    markOutcome: "记录进展", searching: "正在匹配…", found: "共 {n} 位", none: "没有找到符合条件的专家。",
    needEmpty: "请输入需求或选择一个需求。", saved: "已记录：{s}", score: "匹配度",
    terms: "匹配术语", fields: "共同领域", role: "角色", contactsHidden: "（联系方式仅基地和管理员可见）",
    badKey: "密钥无效或已吊销。",
    indexBehind: "索引落后于数据库：{parts}尚未索引、已更改或已删除，推荐结果可能不完整。请管理员运行 haizhi build-index。",
    behindExpert: "{n} 位专家", behindExperts: "{n} 位专家", behindDemand: "{n} 条需求", behindDemands: "{n} 条需求",
    listSep: "、",
    f_name: "姓名", f_affiliation: "单位", f_title: "职称", f_country: "国家", f_city: "城市", f_email: "邮箱",
    f_phone: "电话", f_industries: "行业", f_fields: "领域", f_keywords: "关键词", f_bio: "简介",
    f_publications: "成果", f_languages: "语言", f_cooperation_modes: "合作方式", f_organizations: "所属团体",
    f_updated_at: "更新日期", toDashboard: "看板",
  },
  en: {
    title: "Haizhi Match · expert recommendations", logout: "Sign out", enter: "Enter",
    keyLabel: "API key (created by an administrator with haizhi keys create)",
    keyNote: "The key is kept in this tab's sessionStorage only and is gone when the tab closes.",
    pickDemand: "Pick one of your demands", freeText: "— type a need —", topK: "Experts",
    needLabel: "Technical need (Chinese or English)",
    needPlaceholder: "e.g. need an overseas expert on solid-state electrolytes to cut interface impedance",
    filters: "Filters", industry: "Industry", country: "Country (e.g. US,DE)", mode: "Cooperation mode",
    language: "Language", any: "Any", search: "Recommend experts", results: "Recommendations",
    profile: "Open profile", close: "Close", note: "Note", markOutcome: "Record outcome", searching: "Matching…",
    found: "{n} experts", none: "No expert matches these filters.", needEmpty: "Type a need or pick a demand.",
    saved: "Recorded: {s}", score: "score", terms: "Matched terms", fields: "Shared fields", role: "role",
    contactsHidden: "(contacts visible to bases and admins only)", badKey: "Unknown or revoked key.",
    indexBehind: "The index is behind the database: {parts} not yet indexed, changed or deleted, so "
      + "recommendations may be incomplete. Ask an administrator to run haizhi build-index.",
    behindExpert: "{n} expert", behindExperts: "{n} experts", behindDemand: "{n} demand", behindDemands: "{n} demands",
    listSep: ", ",
    f_name: "Name", f_affiliation: "Affiliation", f_title: "Title", f_country: "Country", f_city: "City",
    f_email: "Email", f_phone: "Phone", f_industries: "Industries", f_fields: "Fields", f_keywords: "Keywords",
    f_bio: "Bio", f_publications: "Publications", f_languages: "Languages", f_cooperation_modes: "Cooperation",
    f_organizations: "Organisations", f_updated_at: "Updated", toDashboard: "Dashboard",
  },
};
const STATUS_LABELS = {
  zh: { recommended: "已推荐", contacted: "已联系", negotiating: "洽谈中", signed: "已签约", declined: "已谢绝",
    no_response: "未回复" },
  en: { recommended: "recommended", contacted: "contacted", negotiating: "negotiating", signed: "signed",
    declined: "declined", no_response: "no response" },
};
// Mirrors the server's lifecycle; the server still validates every move.
const NEXT_STATUSES = {
  none: ["contacted", "declined", "no_response"],
  recommended: ["contacted", "declined", "no_response"],
  contacted: ["negotiating", "declined", "no_response"],
  negotiating: ["signed", "declined"],
  no_response: ["contacted"],
  signed: [],
  declined: [],
};

const state = { lang: sessionStorage.getItem(LANG_STORAGE) || "zh", me: null, catalog: null, last: null, health: null };
const HEALTH_EVERY_MS = 60000; // the index can fall behind while the page is open (imports around the server)
const $ = (selector) => document.querySelector(selector);

function t(key, values = {}) {
  let text = I18N[state.lang][key] || I18N.zh[key] || key;
  for (const [name, value] of Object.entries(values)) text = text.replace(`{${name}}`, value);
  return text;
}

async function api(path, options = {}) {
  const headers = { "X-API-Key": sessionStorage.getItem(KEY_STORAGE) || "" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method: options.method || "GET",
    headers,
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

function applyLanguage() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  });
  $("#lang-switch").textContent = state.lang === "zh" ? "English" : "中文";
  fillCatalog();
  showWho();
  showIndexNotice();
  if (state.last) renderResults(state.last);
}

// The banner when GET /v1/health says the index is behind the database (health needs no key).
function showIndexNotice() {
  const health = state.health;
  const banner = $("#index-notice");
  if (!health || !health.index_behind) {
    banner.classList.add("hidden");
    return;
  }
  const parts = [];
  const count = (n, one, many) => t(n === 1 ? one : many, { n });
  if (health.experts_behind) parts.push(count(health.experts_behind, "behindExpert", "behindExperts"));
  if (health.demands_behind) parts.push(count(health.demands_behind, "behindDemand", "behindDemands"));
  banner.textContent = t("indexBehind", { parts: parts.join(t("listSep")) });
  banner.classList.remove("hidden");
}

async function checkHealth() {
  try {
    state.health = await api("/v1/health");
  } catch (error) {
    return; // a failed check keeps the last banner; searches report their own errors
  }
  showIndexNotice();
  document.body.dataset.health = state.health.index_behind ? "behind" : "ok"; // checked: tests can look
}

function showWho() {
  const me = state.me;
  $("#whoami").textContent = me ? `${me.name} · ${t("role")}: ${me.role}${me.site_id ? " · " + me.site_id : ""}` : "";
}

function option(value, label) {
  const el = document.createElement("option");
  el.value = value;
  el.textContent = label;
  return el;
}

function fillSelect(select, items) {
  const current = select.value;
  select.replaceChildren(option("", t("any")), ...items);
  select.value = current;
}

function fillCatalog() {
  if (!state.catalog) return;
  const label = (item) => (state.lang === "zh" ? `${item.zh} ${item.code}` : `${item.en} (${item.code})`);
  fillSelect($("#f-industry"), state.catalog.industries.map((i) => option(i.code, label(i))));
  fillSelect($("#f-mode"), state.catalog.cooperation_modes.map((m) => option(m.code, label(m))));
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
  showWho();
  $("#to-dashboard").classList.toggle("hidden", state.me.role === "station"); // bases, admins, analysts
  $("#login").classList.add("hidden");
  $("#workspace").classList.remove("hidden");
  $("#logout").classList.remove("hidden");
  state.catalog = await api("/v1/catalog");
  const demands = await api("/v1/demands?limit=200");
  const select = $("#demand-select");
  select.replaceChildren(option("", t("freeText")), ...demands.items.map((d) => option(d.id, `${d.id} · ${d.title}`)));
  select.firstChild.dataset.i18n = "freeText";
  applyLanguage();
  document.body.dataset.ready = "1"; // menus filled: tests and users can start
}

function signOut() {
  sessionStorage.removeItem(KEY_STORAGE);
  location.reload();
}

function filters() {
  const out = {};
  const industry = $("#f-industry").value;
  const mode = $("#f-mode").value;
  const language = $("#f-language").value;
  const countries = $("#f-country").value.split(/[,，\s]+/).filter(Boolean);
  if (industry) out.industries = [industry];
  if (mode) out.cooperation_modes = [mode];
  if (language) out.languages = [language];
  if (countries.length) out.countries = countries;
  return out;
}

async function search(event) {
  event.preventDefault();
  const demandId = $("#demand-select").value;
  const text = $("#need").value.trim();
  $("#search-error").textContent = "";
  if (!demandId && !text) {
    $("#search-error").textContent = t("needEmpty");
    return;
  }
  const body = { k: Number($("#k").value), filters: filters() };
  if (demandId) body.demand_id = demandId; else body.text = text;
  $("#search").disabled = true;
  $("#status").textContent = t("searching");
  try {
    state.last = await api("/v1/recommendations", { method: "POST", body });
    renderResults(state.last);
    checkHealth(); // the answer may come from an index that fell behind since the page opened
  } catch (error) {
    $("#search-error").textContent = error.message;
  } finally {
    $("#search").disabled = false;
    $("#status").textContent = "";
  }
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// Appends ``text`` to ``parent`` with every occurrence of ``words`` wrapped in <mark> (no innerHTML).
function appendHighlighted(parent, text, words) {
  const usable = [...new Set(words.filter((w) => w && w.length >= 2))].sort((a, b) => b.length - a.length);
  if (!usable.length) { parent.append(text); return; }
  const pattern = new RegExp(`(${usable.map(escapeRegExp).join("|")})`, "gi");
  text.split(pattern).forEach((part, i) => {
    if (i % 2 === 1) {
      const mark = document.createElement("mark");
      mark.textContent = part;
      parent.append(mark);
    } else if (part) {
      parent.append(part);
    }
  });
}

function chip(text, extra) {
  const el = document.createElement("span");
  el.className = `chip ${extra || ""}`;
  el.textContent = text;
  return el;
}

function renderResults(data) {
  const list = $("#results");
  list.replaceChildren();
  $("#results-section").classList.remove("hidden");
  $("#result-count").textContent = data.results.length ? t("found", { n: data.results.length }) : t("none");
  for (const result of data.results) list.append(renderResult(result, data.demand_id));
}

function renderResult(result, demandId) {
  const item = $("#result-template").content.firstElementChild.cloneNode(true);
  const expert = result.expert || { name: result.expert_id, country: "" };
  const explanation = result.explanation || {};
  item.dataset.expertId = result.expert_id;
  item.querySelector(".rank").textContent = `${result.rank}.`;
  item.querySelector(".name").textContent = expert.name + (expert.name_en ? ` (${expert.name_en})` : "");
  item.querySelector(".where").textContent = [expert.title, expert.affiliation, expert.country].filter(Boolean).join(" · ");
  item.querySelector(".score").textContent = `${t("score")} ${result.score.toFixed(3)}`;
  item.querySelector(".why").textContent = state.lang === "zh" ? explanation.text_zh : explanation.text_en;
  const terms = explanation.matched_terms || [];
  const fields = explanation.shared_fields || [];
  item.querySelector(".terms").append(...terms.map((term) => chip(`${term.zh} / ${term.en}`)));
  item.querySelector(".fields").append(...fields.map((f) => chip(state.lang === "zh" ? f.zh : f.en, "field")));
  const words = [...(explanation.matched_words || []), ...terms.flatMap((term) => [term.zh, term.en])];
  const bio = expert.bio || "";
  appendHighlighted(item.querySelector(".bio"), bio.length > 320 ? `${bio.slice(0, 320)}…` : bio, words);
  item.querySelector(".contributions").append(...(explanation.contributions || []).map((c) => {
    const li = document.createElement("li");
    li.textContent = `${state.lang === "zh" ? c.label_zh : c.label_en}: +${c.contribution.toFixed(3)}`;
    return li;
  }));
  item.querySelector(".open-profile").textContent = t("profile");
  item.querySelector(".open-profile").addEventListener("click", () => openProfile(result.expert_id));
  renderOutcome(item, result, demandId);
  return item;
}

function renderOutcome(item, result, demandId) {
  const badge = item.querySelector(".match-status");
  if (result.match_status) {
    badge.textContent = STATUS_LABELS[state.lang][result.match_status];
    badge.classList.remove("hidden");
  }
  const canWrite = demandId && state.me && state.me.role !== "analyst";
  const next = NEXT_STATUSES[result.match_status || "none"];
  if (!canWrite || !next.length) return;
  const box = item.querySelector(".outcome");
  box.classList.remove("hidden");
  const select = box.querySelector(".outcome-status");
  select.replaceChildren(...next.map((s) => option(s, STATUS_LABELS[state.lang][s])));
  box.querySelector(".outcome-note").placeholder = t("note");
  box.querySelector(".outcome-save").textContent = t("markOutcome");
  box.querySelector(".outcome-save").addEventListener("click", async () => {
    const message = item.querySelector(".outcome-msg");
    try {
      const match = await api(`/v1/matches/${encodeURIComponent(demandId)}/${encodeURIComponent(result.expert_id)}`, {
        method: "POST", body: { status: select.value, note: box.querySelector(".outcome-note").value },
      });
      result.match_status = match.status;
      const fresh = renderResult(result, demandId);
      fresh.querySelector(".outcome-msg").textContent = t("saved", { s: STATUS_LABELS[state.lang][match.status] });
      item.replaceWith(fresh);
    } catch (error) {
      message.textContent = error.message;
    }
  });
}

async function openProfile(expertId) {
  const expert = await api(`/v1/experts/${encodeURIComponent(expertId)}`);
  $("#profile-name").textContent = expert.name + (expert.name_en ? ` (${expert.name_en})` : "");
  const body = $("#profile-body");
  body.replaceChildren();
  const fields = ["affiliation", "title", "country", "city", "email", "phone", "industries", "fields", "keywords",
    "languages", "cooperation_modes", "organizations", "bio", "publications", "updated_at"];
  for (const name of fields) {
    let value = expert[name];
    if (name === "email" && expert.contacts_hidden) value = t("contactsHidden");
    if (Array.isArray(value)) value = value.join("；");
    if (value === null || value === undefined || value === "") continue;
    const dt = document.createElement("dt");
    dt.textContent = t(`f_${name}`);
    const dd = document.createElement("dd");
    dd.textContent = String(value);
    body.append(dt, dd);
  }
  $("#profile").showModal();
}

function start() {
  $("#login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    signIn($("#api-key").value.trim());
  });
  $("#search-form").addEventListener("submit", search);
  $("#logout").addEventListener("click", signOut);
  $("#profile-close").addEventListener("click", () => $("#profile").close());
  $("#lang-switch").addEventListener("click", () => {
    state.lang = state.lang === "zh" ? "en" : "zh";
    sessionStorage.setItem(LANG_STORAGE, state.lang);
    applyLanguage();
  });
  $("#demand-select").addEventListener("change", () => {
    $("#need").disabled = Boolean($("#demand-select").value);
  });
  applyLanguage();
  checkHealth();
  setInterval(checkHealth, HEALTH_EVERY_MS);
  const saved = sessionStorage.getItem(KEY_STORAGE);
  if (saved) signIn(saved);
}

start();
