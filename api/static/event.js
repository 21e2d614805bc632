"use strict";
// Docking-event agenda page: vanilla JS, no build step. Shares the station page's sessionStorage key.

const KEY_STORAGE = "haizhi.apiKey";
const LANG_STORAGE = "haizhi.lang";
const I18N = {
  zh: { title: "海智匹配 · 洽谈日程", logout: "退出", enter: "进入", keyLabel: "API 密钥", event: "活动",
    day: "日期", person: "参会方", everyone: "— 全部参会方 —", empty: "暂无安排。", badKey: "密钥无效或已吊销。",
    slot: "时段", table: "{n} 号桌", room: "{n} 号线上室", expert: "专家", enterprise: "企业",
    summary: "{m} 场洽谈 · {s} 个时段 · 目标值 {o}（最优性差距 {g}）", noEvents: "还没有洽谈活动。",
    remote: "线上", cancelled: "已取消", allDays: "全部日期" },
  en: { title: "Haizhi Match · meeting agenda", logout: "Sign out", enter: "Enter", keyLabel: "API key",
    event: "Event", day: "Day", person: "Participant", everyone: "— everyone —", empty: "No meetings.",
    badKey: "Unknown or revoked key.", slot: "Slot", table: "Table {n}", room: "Online {n}", expert: "Expert",
    enterprise: "Enterprise", summary: "{m} meetings · {s} slots · objective {o} (MIP gap {g})",
    noEvents: "No docking events yet.", remote: "online", cancelled: "cancelled", allDays: "All days" },
};
const state = { lang: sessionStorage.getItem(LANG_STORAGE) || "zh", me: null, events: [], agenda: null };
const $ = (sel) => document.querySelector(sel);
const PHONE = window.matchMedia("(max-width: 640px)");

function t(key, values = {}) {
  let text = I18N[state.lang][key] || key;
  for (const [k, v] of Object.entries(values)) text = text.replace(`{${k}}`, v);
  return text;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else if (k === "text") node.textContent = v; else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

async function api(path) {
  const response = await fetch(path, { headers: { "X-API-Key": sessionStorage.getItem(KEY_STORAGE) || "" } });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw Object.assign(new Error(body.message || response.statusText), { status: response.status });
  }
  return response.json();
}

function applyLanguage() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-i18n]").forEach((node) => { node.textContent = t(node.dataset.i18n); });
  $("#lang-switch").textContent = state.lang === "zh" ? "English" : "中文";
  document.title = t("title");
  if (state.agenda) render();
}

const hhmm = (iso) => iso.slice(11, 16);
const day = (iso) => iso.slice(0, 10);
const placeLabel = (m) => t(m.venue, { n: m.number });

function fillSelectors() {
  const agenda = state.agenda;
  const days = [...new Set(agenda.slots.map((s) => day(s.starts_at)))];
  const daySelect = $("#day-select");
  const chosenDay = daySelect.value;
  daySelect.replaceChildren(el("option", { value: "", text: t("allDays") }),
    ...days.map((d) => el("option", { value: d, text: d })));
  daySelect.value = days.includes(chosenDay) ? chosenDay : "";
  const personSelect = $("#person-select");
  const chosen = personSelect.value;
  personSelect.replaceChildren(el("option", { value: "", text: t("everyone") }),
    ...agenda.participants.map((p) => el("option", { value: `${p.kind}:${p.id}`,
      text: `${t(p.kind)} · ${p.name}${p.remote ? ` (${t("remote")})` : ""}${p.cancelled ? ` (${t("cancelled")})` : ""}` })));
  personSelect.value = [...personSelect.options].some((o) => o.value === chosen) ? chosen : "";
}

function meetingCell(m) {
  return el("div", { class: "meeting" }, el("span", { class: "who", text: m.expert_name }), " × ",
    el("span", { class: "ent", text: m.enterprise_name }), el("span", { class: "demand", text: m.demand_title, title: m.demand_title }));
}

function render() {
  const agenda = state.agenda;
  fillSelectors();
  const plan = agenda.event.plan || {};
  $("#summary").textContent = t("summary", { m: agenda.meetings.length, s: agenda.slots.length,
    o: plan.objective !== undefined ? Number(plan.objective).toFixed(3) : "–", g: plan.gap === undefined ? "–" : plan.gap < 1e-9 ? "0" : Number(plan.gap).toExponential(1) });
  const chosenDay = $("#day-select").value;
  const slots = agenda.slots.filter((s) => !chosenDay || day(s.starts_at) === chosenDay);
  const slotIds = new Set(slots.map((s) => s.id));
  const person = $("#person-select").value;
  const meetings = agenda.meetings.filter((m) => slotIds.has(m.slot_id));
  $("#empty").classList.toggle("hidden", meetings.length > 0);
  if (person || PHONE.matches) {  // one participant, or a phone: a list of cards in time order
    const [kind, id] = person ? person.split(":") : ["", ""];
    const mine = person ? meetings.filter((m) => (kind === "expert" ? m.expert_id : m.enterprise_id) === id) : meetings;
    const bySlot = Object.fromEntries(agenda.slots.map((s) => [s.id, s]));
    $("#grid-wrap").classList.add("hidden");
    const list = $("#person-view");
    list.classList.remove("hidden");
    list.replaceChildren(...mine.map((m) => {
      const slot = bySlot[m.slot_id];
      const other = !person ? `${m.expert_name} × ${m.enterprise_name}` : kind === "expert" ? m.enterprise_name : m.expert_name;
      return el("li", { class: m.venue === "room" ? "online" : "" },
        el("span", { class: "place", text: placeLabel(m) }),
        el("div", { class: "time", text: `${day(slot.starts_at)} ${hhmm(slot.starts_at)}–${hhmm(slot.ends_at)}` }),
        el("div", { text: other }), el("div", { class: "muted", text: `${m.demand_title} (${m.demand_id})` }));
    }));
    $("#empty").classList.toggle("hidden", mine.length > 0);
    return;
  }
  $("#person-view").classList.add("hidden");
  $("#grid-wrap").classList.remove("hidden");
  const places = [...new Map(agenda.meetings.map((m) => [`${m.venue}:${m.number}`, m])).values()]
    .sort((a, b) => (a.venue === b.venue ? a.number - b.number : a.venue === "table" ? -1 : 1));
  const head = el("tr", {}, el("th", { text: t("slot") }),
    ...places.map((p) => el("th", { class: p.venue === "room" ? "room" : "", text: placeLabel(p) })));
  const rows = slots.map((slot) => {
    const here = Object.fromEntries(meetings.filter((m) => m.slot_id === slot.id).map((m) => [`${m.venue}:${m.number}`, m]));
    return el("tr", { "data-slot": slot.id }, el("th", { text: `${chosenDay ? "" : day(slot.starts_at).slice(5) + " "}${hhmm(slot.starts_at)}` }),
      ...places.map((p) => {
        const m = here[`${p.venue}:${p.number}`];
        return el("td", { class: p.venue === "room" ? "online" : "" }, m ? meetingCell(m) : "");
      }));
  });
  $("#grid").replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
}

async function loadAgenda() {
  const id = $("#event-select").value;
  if (!id) return;
  state.agenda = await api(`/v1/events/${encodeURIComponent(id)}/agenda`);
  render();
  document.body.dataset.ready = "1";
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
  $("#login").classList.add("hidden");
  $("#workspace").classList.remove("hidden");
  $("#logout").classList.remove("hidden");
  $("#whoami").textContent = `${state.me.name} · ${state.me.role}${state.me.site_id ? " " + state.me.site_id : ""}`;
  state.events = await api("/v1/events");
  const wanted = new URLSearchParams(location.search).get("event");
  $("#event-select").replaceChildren(...state.events.map((e) => el("option", { value: e.id, text: e.name })));
  if (!state.events.length) { $("#summary").textContent = t("noEvents"); document.body.dataset.ready = "1"; return; }
  if (wanted && state.events.some((e) => e.id === wanted)) $("#event-select").value = wanted;
  await loadAgenda();
}

$("#login-form").addEventListener("submit", (event) => { event.preventDefault(); signIn($("#api-key").value.trim()); });
$("#logout").addEventListener("click", () => { sessionStorage.removeItem(KEY_STORAGE); location.reload(); });
$("#lang-switch").addEventListener("click", () => {
  state.lang = state.lang === "zh" ? "en" : "zh";
  sessionStorage.setItem(LANG_STORAGE, state.lang);
  applyLanguage();
});
$("#event-select").addEventListener("change", loadAgenda);
$("#day-select").addEventListener("change", render);
$("#person-select").addEventListener("change", render);
PHONE.addEventListener("change", () => { if (state.agenda) render(); });
applyLanguage();
if (sessionStorage.getItem(KEY_STORAGE)) signIn(sessionStorage.getItem(KEY_STORAGE));
