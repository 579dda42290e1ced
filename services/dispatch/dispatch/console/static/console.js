// Kentongan console: the live queue, map, incident detail and actions, on dispatch's API and SSE stream.
// Every string from the server reaches the page through `el` / `label` (dom.js): as text, never as HTML.
/* global L */

import { el, label } from "./dom.js";
import { idleLock, oidcSession } from "./signin.js";

const SEMARANG = [-6.99, 110.42];
const OPENED = "kentongan.incident.opened";
const ESCALATED = "kentongan.incident.escalated";
const IDLE_LOCK_MS = 15 * 60 * 1000;  // shared workstations: lock after 15 minutes without input

const DICT = {
  id: {
    title: "Pusat Komando", signOut: "Keluar", signInTitle: "Masuk operator", signIn: "Masuk",
    signInHelp: "Tempel token operator (pengembangan: make token ROLE=operator).", badToken: "Token ditolak.",
    signInSsoHelp: "Masuk dengan akun Command Center (SSO).", signInFailed: "Gagal masuk",
    lockedHelp: "Konsol terkunci setelah 15 menit tanpa aktivitas. Antrean tetap diperbarui.",
    unlock: "Masuk lagi untuk membuka",
    queue: "Antrean insiden", queueEmpty: "Tidak ada insiden aktif.", incident: "Insiden", unit: "Unit",
    camera: "Kamera", selectHint: "Pilih insiden (j/k) untuk melihat detail.",
    cameraHealth: "Kesehatan kamera per kecamatan", area: "Kecamatan", online: "Daring", offline: "Luring",
    total: "Total", camerasDown: "Layanan kamera tidak tersedia.", live: "LANGSUNG", offlineLive: "TERPUTUS",
    shortcuts: "Pintasan keyboard", close: "Tutup", largeType: "Huruf besar",
    keySelect: "pilih insiden berikut / sebelumnya", keyAck: "terima (acknowledge)",
    keyAssign: "kirim unit terdekat yang disarankan", keyStatus: "status: dalam perjalanan / di lokasi",
    keyNote: "tulis catatan", keyResolve: "selesaikan dengan hasil", keyLarge: "huruf besar (layar dinding)",
    keyHelp: "bantuan ini",
    priority: "Prioritas", status: "Status", raised: "Dilaporkan", ago: "lalu", unitAssigned: "Unit",
    ackBy: "Diterima oleh", source: "Sumber", silent: "senyap", escalation: "Eskalasi",
    unprocessed: "tidak terproses, periksa", alarmsCount: "alarm",
    acknowledge: "Terima", enRoute: "Dalam perjalanan", onScene: "Di lokasi", resolve: "Selesaikan",
    addNote: "Tambah catatan", notePlaceholder: "Catatan…", outcomePlaceholder: "Hasil penanganan…",
    assign: "Kirim", suggested: "Unit terdekat yang disarankan", noUnits: "Tidak ada unit tersedia.",
    loadMore: "Muat lebih banyak",
    alarms: "Alarm", trail: "Jejak lokasi", notes: "Catatan", snapshots: "Cuplikan CCTV",
    deliveries: "Pemberitahuan ke RT dan pelapor",
    deliveryStates: { sent: "dikirim", delivered: "diterima", read: "dibaca", failed: "gagal" },
    liveVideo: "Video langsung", pin: "Sematkan", unpin: "Lepas", pinned: "Kamera disematkan",
    liveUnavailable: "Video tidak tersedia",
    nearbyCameras: "Kamera terdekat", none: "—", withheld: "Disembunyikan (privasi korban)",
    noNote: "tanpa catatan", conflict: "Orang lain sudah bertindak lebih dulu. Tampilan diperbarui.",
    failed: "Gagal", newAlarm: "Alarm baru", escalated: "Eskalasi", outcomeRequired: "Isi hasil penanganan.",
    callers: "Penelepon", unknownCaller: "Tanpa profil", verified: "terverifikasi", unverified: "belum terverifikasi",
    pressed: "Ditekan", delayed: "TERLAMBAT", battery: "Baterai", contacts: "Kontak darurat", medical: "Catatan medis",
    lastKnown: "posisi terakhir diketahui", callbacks: "Panggilan balik", callerCancelled: "dibatalkan",
    duressBanner: "DURESS — penelepon dipaksa membatalkan. Di ponselnya alarm tampak batal: jangan ungkapkan.",
    outcomes: { reached: "Tersambung", no_answer: "Tidak diangkat", busy: "Sibuk", wrong_number: "Nomor salah" },
  },
  en: {
    title: "Command Center", signOut: "Sign out", signInTitle: "Operator sign-in", signIn: "Sign in",
    signInHelp: "Paste an operator token (development: make token ROLE=operator).", badToken: "Token rejected.",
    signInSsoHelp: "Sign in with your Command Center account (SSO).", signInFailed: "Sign-in failed",
    lockedHelp: "Locked after 15 minutes without input. The queue keeps updating.",
    unlock: "Sign in again to unlock",
    queue: "Incident queue", queueEmpty: "No active incidents.", incident: "Incident", unit: "Unit",
    camera: "Camera", selectHint: "Select an incident (j/k) to see its details.",
    cameraHealth: "Camera health by area", area: "Area", online: "Online", offline: "Offline",
    total: "Total", camerasDown: "Camera service unavailable.", live: "LIVE", offlineLive: "DISCONNECTED",
    shortcuts: "Keyboard shortcuts", close: "Close", largeType: "Large type",
    keySelect: "select next / previous incident", keyAck: "acknowledge",
    keyAssign: "assign the suggested nearest unit", keyStatus: "status: en route / on scene",
    keyNote: "write a note", keyResolve: "resolve with an outcome", keyLarge: "large type (wall screen)",
    keyHelp: "this help",
    priority: "Priority", status: "Status", raised: "Raised", ago: "ago", unitAssigned: "Unit",
    ackBy: "Acknowledged by", source: "Source", silent: "silent", escalation: "Escalation",
    unprocessed: "unprocessed, check it", alarmsCount: "alarms",
    acknowledge: "Acknowledge", enRoute: "En route", onScene: "On scene", resolve: "Resolve",
    addNote: "Add note", notePlaceholder: "Note…", outcomePlaceholder: "Outcome…",
    assign: "Assign", suggested: "Suggested nearest units", noUnits: "No unit available.",
    loadMore: "Load more",
    alarms: "Alarms", trail: "Location trail", notes: "Notes", snapshots: "CCTV snapshots",
    deliveries: "Alerts to RTs and the caller",
    deliveryStates: { sent: "sent", delivered: "delivered", read: "read", failed: "failed" },
    liveVideo: "Live video", pin: "Pin", unpin: "Unpin", pinned: "Pinned cameras",
    liveUnavailable: "Video unavailable",
    nearbyCameras: "Nearby cameras", none: "—", withheld: "Withheld (victim privacy)",
    noNote: "no note", conflict: "Someone else acted first. The view has been refreshed.",
    failed: "Failed", newAlarm: "New alarm", escalated: "Escalated", outcomeRequired: "Enter the outcome.",
    callers: "Callers", unknownCaller: "No profile", verified: "verified", unverified: "unverified",
    pressed: "Pressed", delayed: "DELAYED", battery: "Battery", contacts: "Emergency contacts", medical: "Medical notes",
    lastKnown: "last known position", callbacks: "Call-backs", callerCancelled: "cancelled",
    duressBanner: "DURESS — the caller was forced to cancel. Their phone shows it cancelled: do not reveal otherwise.",
    outcomes: { reached: "Reached", no_answer: "No answer", busy: "Busy", wrong_number: "Wrong number" },
  },
};

const state = {
  token: null,  // in memory only (signin.js)
  lang: localStorage.getItem("kentongan.lang") || "id",
  incidents: new Map(),
  selectedId: null,
  detail: null,
  callers: null,  // the selected incident's callers: read (and audited) when selected or called back, not on every update
  cameras: [],
  opened: [],  // cameras the operator opened from the map, shown first in the live grid
  closed: new Set(),  // cameras whose live view the operator closed for this incident
  pinned: JSON.parse(localStorage.getItem("kentongan.pinned") || "[]"),  // wall screen: [{id, name}]
  pages: null, // what "load more" brought of the selected incident's alarms, trail and notes (see loadMore)
  suggested: [],
  units: [],
  // Settings and the incident vocabulary (statuses, categories, transitions, labels) from /console/config.json,
  // written once in the kentongan event models.
  config: { tile_url: "", vocabulary: { statuses: [], active: [], closed: [], transitions: {}, sensitive: [], labels: {} } },
  stream: null,
  reconnectTimer: null,
};

const $ = (sel) => document.querySelector(sel);
const t = (key) => DICT[state.lang][key] ?? key;
const vocabulary = () => state.config.vocabulary;
const category = (c) => vocabulary().labels[state.lang]?.categories[c] ?? c;
const statusName = (s) => vocabulary().labels[state.lang]?.statuses[s] ?? s;
const mayBecome = (to, from) => (vocabulary().transitions[to] ?? []).includes(from);
const outcomeName = (o) => DICT[state.lang].outcomes[o] ?? o;

// ---------- API ----------

class ApiError extends Error {
  constructor(status, body) {
    super(body?.detail ?? `HTTP ${status}`);
    this.status = status;
  }
}

async function api(path, { method = "GET", body, version } = {}) {
  const headers = { Authorization: `Bearer ${state.token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (version !== undefined) headers["If-Match"] = String(version);
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  if (response.status === 401) signOut();
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// Every item of a paged list ({items, next}): follows `next` until the last page.
async function apiAll(path) {
  const items = [];
  let after = null;
  do {
    const page = await api(after === null ? path : `${path}${path.includes("?") ? "&" : "?"}after=${encodeURIComponent(after)}`);
    items.push(...page.items);
    after = page.next;
  } while (after !== null);
  return items;
}

const cctv = (path) => `/console/cctv${path}`;

// ---------- sound and banner ----------

let audio = null;
function beep(times = 1) {
  try {
    audio ??= new AudioContext();
    for (let i = 0; i < times; i++) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      const start = audio.currentTime + i * 0.25;
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.25, start);
      gain.gain.exponentialRampToValueAtTime(0.001, start + 0.2);
      osc.connect(gain).connect(audio.destination);
      osc.start(start);
      osc.stop(start + 0.2);
    }
  } catch { /* no audio device: the visual cue remains */ }
}

let bannerTimer = null;
function banner(text, kind = "") {
  const node = $("#banner");
  node.textContent = text;
  node.className = `banner ${kind}`;
  node.hidden = false;
  clearTimeout(bannerTimer);
  bannerTimer = setTimeout(() => { node.hidden = true; }, 8000);
}

// ---------- queue ----------

function sortedQueue() {
  return [...state.incidents.values()]
    .filter((i) => !vocabulary().closed.includes(i.status))
    .sort((a, b) => (b.unprocessed ? 1 : 0) - (a.unprocessed ? 1 : 0)
      || b.priority - a.priority
      || (a.status === "open" ? 0 : 1) - (b.status === "open" ? 0 : 1)
      || Date.parse(a.opened_at) - Date.parse(b.opened_at));
}

function since(iso) {
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}${state.lang === "id" ? "j" : "h"} ${Math.floor((s % 3600) / 60)}m`;
}

const fresh = new Set();

function renderQueue() {
  const list = sortedQueue();
  $("#queue").replaceChildren(...list.map((i) => el("li", {
    "data-id": i.id, "data-priority": i.priority, "data-status": i.status, "data-alarms": i.alarm_ids.join(" "),
    class: [i.id === state.selectedId && "selected", fresh.has(i.id) && "fresh"].filter(Boolean).join(" "),
    onclick: () => select(i.id),
  },
  el("span", { class: "prio" }, `P${i.priority}`),
  el("span", { class: "cat" }, i.duress ? el("strong", { class: "duress-tag" }, "DURESS ") : null, category(i.category),
    i.silent ? ` · ${t("silent")}` : "",
    i.unprocessed ? ` · ⚠ ${t("unprocessed")}` : "", i.alarm_count > 1 ? ` · ${i.alarm_count} ${t("alarmsCount")}` : ""),
  el("span", { class: "age", "data-since": i.opened_at }, since(i.opened_at)),
  el("span", { class: "sub" }, el("span", { class: `status ${i.status}` }, statusName(i.status)), ` ${i.area}`,
    i.unit_id ? ` · ${i.unit_id}` : "", i.escalation_level ? ` · ⚠ ${t("escalation")} ${i.escalation_level}` : ""))));
  $("#queue-count").textContent = list.length;
  $("#queue-empty").hidden = list.length > 0;
  renderIncidentMarkers();
}

async function loadQueue() {
  // The first page of the queue in its own order: the 500 most urgent active incidents (the stream adds the rest
  // as they change).
  const { items: incidents } = await api(`/v1/incidents?limit=500&${vocabulary().active.map((s) => `status=${s}`).join("&")}`);
  state.incidents = new Map(incidents.map((i) => [i.id, i]));
  renderQueue();
  if (!state.framed) frameCity();
}

// The first view shows the whole city and every active incident.
function frameCity() {
  if (!map) return;
  const points = [...Object.values(state.config.areas ?? {}), ...sortedQueue().map((i) => [i.lat, i.lon])];
  if (points.length) map.fitBounds(L.latLngBounds(points), { padding: [24, 24], maxZoom: 14 });
  state.framed = true;
}

function onIncidentEvent(message) {
  const { type, incident } = JSON.parse(message.data);
  const known = state.incidents.get(incident.id);
  if (known && known.version > incident.version) return;  // an older notice arrived late
  state.incidents.set(incident.id, incident);
  if (type === OPENED || type === ESCALATED) {
    fresh.add(incident.id);
    setTimeout(() => { fresh.delete(incident.id); }, 4000);
    beep(type === ESCALATED ? 3 : 2);
    banner(`${type === OPENED ? t("newAlarm") : t("escalated")}: P${incident.priority} ${category(incident.category)} — ${incident.area}`);
  }
  renderQueue();
  if (incident.id === state.selectedId) loadDetail();
}

// The stream is the one request that carries the token in its URL (EventSource cannot send headers).
function connectStream() {
  state.stream?.close();
  clearTimeout(state.reconnectTimer);
  const stream = new EventSource(`/v1/incidents/stream?access_token=${encodeURIComponent(state.token)}`);
  // On every (re)connection reload the queue: changes made while disconnected are not replayed.
  stream.addEventListener("ready", () => { setLive(true); loadQueue().catch(() => {}); });
  stream.addEventListener("incident", onIncidentEvent);
  // The server ends the stream when the token expires: open a new one with the current token, or sign in again.
  stream.addEventListener("expired", () => { stream.close(); reconnectStream(); });
  stream.onerror = () => {
    setLive(false);
    // After a dropped connection the browser retries by itself; after a refusal (401) it gives up: CLOSED.
    if (stream.readyState === EventSource.CLOSED) reconnectStream();
  };
  state.stream = stream;
}

// Reconnect unless the token is no longer accepted (api() then signs out, and signing in again reconnects).
function reconnectStream(delayMs = 1000) {
  setLive(false);
  clearTimeout(state.reconnectTimer);
  state.reconnectTimer = setTimeout(async () => {
    if (!state.token) return;
    try {
      await api("/v1/units");
    } catch (error) {
      if (error.status !== 401 && state.token) reconnectStream(Math.min(delayMs * 2, 30000));
      return;
    }
    if (state.token) connectStream();
  }, delayMs);
}

function setLive(on) {
  $("#live").dataset.state = on ? "on" : "off";
  $("#live-text").textContent = on ? t("live") : t("offlineLive");
}

// ---------- map ----------

let map = null;
const layers = {};

function setupMap() {
  map = L.map("map", { zoomControl: true, attributionControl: false })
    .setView(SEMARANG, 12);
  if (state.config.tile_url) {
    L.tileLayer(state.config.tile_url, { maxZoom: 19 }).addTo(map);
    textAttribution(state.config.tile_attribution).addTo(map);
  } else {
    $("#map").classList.add("plain");
  }
  // Kecamatan names orient the operator on a plain background (and stay useful over tiles).
  for (const [name, [lat, lon]] of Object.entries(state.config.areas ?? {})) {
    L.marker([lat, lon], { interactive: false, keyboard: false,
      icon: L.divIcon({ className: "area-label", html: label(name), iconSize: null }) }).addTo(map);
  }
  for (const name of ["incidents", "units", "cameras"]) layers[name] = L.layerGroup().addTo(map);
}

// Leaflet's own attribution control parses its text as HTML: this one shows the configured text as text.
function textAttribution(text) {
  const control = L.control({ position: "bottomright" });
  control.onAdd = () => el("div", { class: "leaflet-control-attribution leaflet-control" }, text);
  return control;
}

const CAMERA_COLOURS = { online: "#3fb950", degraded: "#d29922", offline: "#f85149" };
const PRIORITY_COLOURS = { 5: "#ff4d4f", 4: "#ff8c1a", 3: "#e3b341", 2: "#58a6ff", 1: "#8b949e" };

function renderIncidentMarkers() {
  if (!map) return;
  layers.incidents.clearLayers();
  for (const i of sortedQueue()) {
    const selected = i.id === state.selectedId;
    L.circleMarker([i.lat, i.lon], {
      radius: selected ? 13 : 9, color: selected ? "#ffffff" : "#000000", weight: selected ? 3 : 1,
      fillColor: PRIORITY_COLOURS[i.priority] ?? "#8b949e", fillOpacity: 0.95,
    }).bindTooltip(label(`P${i.priority} ${category(i.category)} · ${statusName(i.status)}`))
      .on("click", () => select(i.id)).addTo(layers.incidents);
  }
}

function renderUnits() {
  if (!map) return;
  layers.units.clearLayers();
  for (const u of state.units) {
    L.circleMarker([u.lat, u.lon], {
      radius: 7, color: "#ffffff", weight: 1, fillColor: u.status === "available" ? "#2f81f7" : "#6e7681",
      fillOpacity: 1,
    }).bindTooltip(label(`${u.id} · ${u.name} (${u.status})`)).addTo(layers.units);
  }
}

async function loadUnits() {
  state.units = await apiAll("/v1/units");
  renderUnits();
}

async function loadNearbyCameras(incident) {
  layers.cameras.clearLayers();
  let cameras = [];
  try {
    cameras = await api(cctv(`/v1/cameras/nearby?lat=${incident.lat}&lon=${incident.lon}&radius_m=1000&limit=20`));
  } catch { return []; }
  for (const c of cameras) {
    L.circleMarker([c.lat, c.lon], {
      radius: 5, color: "#000", weight: 1, fillColor: CAMERA_COLOURS[c.state] ?? "#8b949e", fillOpacity: 1,
    }).bindTooltip(label(`${c.name} · ${c.state} · ${Math.round(c.distance_m)} m`))
      .on("click", () => openLive(c)).addTo(layers.cameras);
  }
  return cameras;
}

// ---------- detail ----------

async function select(id) {
  if (id !== state.selectedId) { state.opened = []; state.closed = new Set(); }
  state.selectedId = id;
  state.callers = null;
  renderQueue();
  document.querySelector(`#queue li[data-id="${CSS.escape(id)}"]`)?.scrollIntoView({ block: "nearest" });
  await loadDetail();
  const incident = state.incidents.get(id);
  if (incident && map) map.setView([incident.lat, incident.lon], Math.max(map.getZoom(), 15), { animate: false });
}

async function loadDetail() {
  const id = state.selectedId;
  if (!id) return;
  const [detail, suggested, callers] = await Promise.all([
    api(`/v1/incidents/${id}`),
    api(`/v1/incidents/${id}/suggested-units`).catch(() => []),
    state.callers?.incident_id === id ? state.callers : api(`/v1/incidents/${id}/callers`).catch(() => null),
  ]);
  if (id !== state.selectedId) return;
  state.callers = callers;
  if (state.pages?.id !== id) state.pages = { id, alarms: null, trail: null, notes: null };
  state.detail = detail;
  state.suggested = suggested;
  state.incidents.set(detail.id, { ...state.incidents.get(detail.id), ...detail });
  state.cameras = await loadNearbyCameras(detail);
  renderDetail(state.cameras);
  renderQueue();
}

// The detail holds a page of each list: the first alarms (alarms_next pages on), the latest trail points and
// notes (trail_more / notes_more: older ones exist). "Load more" pages a list with its endpoint
// (`?limit=&after=`, `next` in the body): alarms on from the detail's page, the trail and notes from the
// oldest, shown before the detail's latest ones. Kept across live updates of the same incident.
const MORE_PAGE = 100;
// Each list's item key (an item loaded twice, from the detail and from a page, is shown once).
const ITEM_KEYS = { alarms: (a) => a.alarm_id, trail: (p) => `${p.recorded_at} ${p.lat} ${p.lon}`, notes: (n) => n.id };

function pageState(list) {
  const d = state.detail;
  const loaded = state.pages[list];
  if (loaded) return loaded;
  const more = { alarms: d.alarms_next !== null, trail: d.trail_more, notes: d.notes_more }[list];
  return { items: [], next: list === "alarms" ? d.alarms_next : null, more };
}

async function loadMore(list) {
  const id = state.detail.id;
  const page = pageState(list);
  const after = page.next ? `&after=${encodeURIComponent(page.next)}` : "";
  const body = await api(`/v1/incidents/${id}/${list}?limit=${MORE_PAGE}${after}`);
  if (state.pages?.id !== id) return;
  const items = [...page.items, ...body.items];
  // The trail and notes are paged from the oldest: done once the pages reach the detail's latest ones.
  const latest = list === "alarms" ? undefined : state.detail[list][0];
  const reached = latest !== undefined && items.some((item) => ITEM_KEYS[list](item) === ITEM_KEYS[list](latest));
  state.pages[list] = { items, next: body.next, more: body.next !== null && !reached };
  renderDetail(state.cameras ?? []);
  document.querySelector(`button[data-more="${list}"]`)?.focus();
}

// The items of a list as the operator sees them: the detail's page and what was loaded, each once.
function shown(list) {
  const keyOf = ITEM_KEYS[list];
  const d = state.detail;
  const loaded = state.pages[list]?.items ?? [];
  const items = list === "alarms" ? [...d.alarms, ...loaded] : [...loaded, ...d[list]];
  const seen = new Set();
  return items.filter((item) => { const key = keyOf(item); const fresh = !seen.has(key); seen.add(key); return fresh; });
}

function moreButton(list) {
  return pageState(list).more
    ? el("button", { class: "more", "data-more": list, onclick: () => loadMore(list) }, t("loadMore"))
    : null;
}

function section(title, ...content) {
  return el("section", {}, el("h4", {}, title), ...content);
}

function listOr(items, render) {
  return items.length ? el("ul", { class: "list" }, items.map(render)) : el("p", { class: "muted" }, t("none"));
}

function alarmNote(alarm, incident) {
  if (alarm.note) return el("span", {}, alarm.note);
  // Categories whose alarm notes dispatch withholds from operators (victim privacy): say so, never guess.
  if (vocabulary().sensitive.includes(incident.category)) return el("span", { class: "withheld" }, t("withheld"));
  return el("span", { class: "muted" }, t("noNote"));
}

// A live update re-renders the detail: keep what the operator is typing, and where.
function keepTyping(render) {
  const typed = Object.fromEntries(["note", "outcome"].map((id) => [id, document.getElementById(id)?.value ?? ""]));
  const focused = document.activeElement?.id;
  const sameIncident = $("#detail").dataset.id === state.detail.id;
  render();
  $("#detail").dataset.id = state.detail.id;
  if (!sameIncident) return;
  for (const [id, value] of Object.entries(typed)) {
    const input = document.getElementById(id);
    if (input) input.value = value;
  }
  if (focused === "note" || focused === "outcome") document.getElementById(focused)?.focus();
}

function renderDetail(cameras) {
  keepTyping(() => renderDetailNow(cameras));
}

function renderDetailNow(cameras) {
  const d = state.detail;
  const can = (status) => ({
    ack: mayBecome("acknowledged", d.status), en_route: mayBecome("en_route", d.status),
    on_scene: mayBecome("on_scene", d.status), resolve: mayBecome("resolved", d.status),
    assign: mayBecome("assigned", d.status) && !d.unit_id,
  })[status];
  const time = (iso) => new Date(iso).toLocaleTimeString(state.lang === "id" ? "id-ID" : "en-GB");
  $("#detail").replaceChildren(
    d.duress ? el("div", { class: "duress", id: "duress-banner", role: "alert" }, t("duressBanner")) : null,
    el("h3", {}, `P${d.priority} · ${category(d.category)}`),
    el("div", {}, el("span", { class: `status ${d.status}`, id: "detail-status" }, statusName(d.status)),
      ` ${d.area}`),
    el("dl", { class: "facts" },
      el("dt", {}, t("raised")), el("dd", {}, `${time(d.opened_at)} (`, el("span", { "data-since": d.opened_at },
        since(d.opened_at)), ` ${t("ago")})`),
      el("dt", {}, t("source")), el("dd", {}, `${d.source}${d.silent ? ` · ${t("silent")}` : ""}`),
      el("dt", {}, t("unitAssigned")), el("dd", { id: "detail-unit" }, d.unit_id ?? t("none")),
      el("dt", {}, t("ackBy")), el("dd", {}, d.acknowledged_by ?? t("none")),
      el("dt", {}, t("escalation")), el("dd", {}, String(d.escalation_level))),
    section("", el("div", { class: "actions" },
      el("button", { class: "primary", id: "act-ack", disabled: !can("ack"), onclick: acknowledge }, `${t("acknowledge")} (a)`),
      el("button", { id: "act-en-route", disabled: !can("en_route"), onclick: () => setStatus("en_route") }, `${t("enRoute")} (e)`),
      el("button", { id: "act-on-scene", disabled: !can("on_scene"), onclick: () => setStatus("on_scene") }, `${t("onScene")} (o)`),
      el("form", { class: "row", onsubmit: (e) => { e.preventDefault(); resolve(); } },
        el("input", { id: "outcome", placeholder: t("outcomePlaceholder"), disabled: !can("resolve"), maxlength: 500 }),
        el("button", { class: "danger", id: "act-resolve", disabled: !can("resolve") }, `${t("resolve")} (r)`)),
      el("form", { class: "row", onsubmit: (e) => { e.preventDefault(); addNote(); } },
        el("input", { id: "note", placeholder: t("notePlaceholder"), maxlength: 2000 }),
        el("button", { id: "act-note" }, `${t("addNote")} (n)`)))),
    callerSection(time),
    section(t("suggested"), listOr(state.suggested, (u, index) => el("li", {},
      el("span", {}, el("strong", {}, u.id), ` ${u.name} · ${Math.round(u.distance_m)} m`),
      el("button", { class: index === 0 ? "primary" : "", "data-unit": u.id, disabled: !can("assign"),
        onclick: () => assign(u.id) }, t("assign"))))),
    section(`${t("alarms")} (${d.alarm_count})`, listOr(shown("alarms"), (a) => el("li", { class: "alarm" },
      el("span", {}, `${time(a.raised_at)} · ${category(a.category)}${a.silent ? ` · ${t("silent")}` : ""}`),
      alarmNote(a, d))), moreButton("alarms")),
    // Counted per channel and state (bounded however many alerts went out); each one is in notifier.
    section(t("deliveries"), listOr(d.deliveries ?? [], (x) => el("li", { class: `delivery ${x.status}` },
      el("span", {}, `${x.channel}: ${x.count} ${t("deliveryStates")[x.status] ?? x.status}`),
      el("span", { class: "muted" }, time(x.last_at))))),
    section(t("liveVideo"), liveGrid(cameras)),
    section(t("snapshots"), d.snapshots.length
      ? el("div", { class: "snapshots" }, d.snapshots.map((s) => snapshotFigure(s)))
      : el("p", { class: "muted" }, t("none"))),
    section(t("nearbyCameras"), listOr(cameras.slice(0, 5), (c) => el("li", {},
      el("span", {}, el("strong", {}, c.id), ` ${c.name}`), el("span", { class: `camera-state ${c.state}` },
        `${c.state} · ${Math.round(c.distance_m)} m`)))),
    section(t("trail"), listOr(shown("trail").reverse(), (p) => el("li", {},
      el("span", {}, `${p.lat.toFixed(5)}, ${p.lon.toFixed(5)}`),
      el("span", { class: "muted" }, `${time(p.recorded_at)}${p.accuracy_m ? ` · ±${Math.round(p.accuracy_m)} m` : ""}`))),
      moreButton("trail")),
    section(t("notes"), listOr(shown("notes"), (n) => el("li", { class: "note" },
      el("span", {}, n.text), el("span", { class: "muted" }, `${n.author} · ${time(n.created_at)}`))), moreButton("notes")),
  );
}

// A snapshot is fetched only through dispatch's camera proxy, whatever host its URL names: the operator's
// token never goes to an address that came in an event.
const SNAPSHOT_PATH = /^\/v1\/cameras\/[A-Za-z0-9_.:-]{1,64}\/snapshot$/;

function snapshotSource(snapshotUrl) {
  let url;
  try {
    url = new URL(snapshotUrl ?? "", window.location.origin);
  } catch {
    return null;
  }
  return SNAPSHOT_PATH.test(url.pathname) ? cctv(`${url.pathname}${url.search}`) : null;
}

// ---------- callers ----------

const tel = (phone) => el("a", { class: "tel", href: `tel:${phone}` }, phone);

function callerSection(time) {
  const data = state.callers;
  if (!data) return null;
  const more = data.total_callers > data.callers.length ? ` (${data.callers.length}/${data.total_callers})` : "";
  return section(`${t("callers")}${more}`,
    listOr(data.callers, (c) => callerCard(c, time)),
    data.callbacks.length ? el("h4", {}, t("callbacks")) : null,
    data.callbacks.length ? el("ul", { class: "list", id: "callbacks" }, data.callbacks.map((b) => el("li", {},
      el("span", {}, `${outcomeName(b.outcome)} · ${b.caller_phone}`),
      el("span", { class: "muted" }, `${b.operator} · ${time(b.created_at)}`)))) : null);
}

function callerCard(c, time) {
  const facts = [
    c.pressed_at ? `${t("pressed")} ${time(c.pressed_at)}` : `${t("raised")} ${time(c.raised_at)}`,
    c.battery_pct != null ? `${t("battery")} ${c.battery_pct}%` : null,
    c.source === "sms" ? "SMS" : null,
    c.location_last_known ? t("lastKnown") : null,
    c.cancelled ? t("callerCancelled") : null,
  ].filter(Boolean).join(" · ");
  return el("li", { class: "caller", "data-alarm": c.alarm_id },
    el("div", { class: "caller-head" },
      el("strong", { class: "caller-name" }, c.name ?? t("unknownCaller")),
      c.phone ? tel(c.phone) : null,
      c.phone ? el("span", { class: c.phone_verified ? "verified" : "unverified" },
        c.phone_verified ? `✓ ${t("verified")}` : t("unverified")) : null,
      c.delayed ? el("span", { class: "delayed" }, t("delayed")) : null),
    el("div", { class: "muted" }, facts),
    c.phone ? el("div", { class: "callback-buttons" }, Object.keys(DICT.en.outcomes).map((outcome) =>
      el("button", { "data-outcome": outcome, onclick: () => callBack(c.phone, outcome) }, outcomeName(outcome)))) : null,
    c.emergency_contacts.length ? el("div", { class: "contacts" }, `${t("contacts")}: `,
      c.emergency_contacts.map((k, index) => el("span", {}, index ? " · " : "", `${k.name} (${k.relation}) `,
        tel(k.phone)))) : null,
    c.medical_notes ? el("div", { class: "medical" }, `${t("medical")}: `, el("span", {}, c.medical_notes)) : null);
}

async function callBack(phone, outcome) {
  const id = state.detail?.id;
  if (!id) return;
  try {
    await api(`/v1/incidents/${id}/callbacks`, { method: "POST", body: { caller_phone: phone, outcome } });
  } catch (error) {
    banner(`${t("failed")}: ${error.message}`, "conflict");
  }
  state.callers = null;  // read them again, with this call-back
  await loadDetail();
}

function snapshotFigure(snapshot) {
  const img = el("img", { alt: snapshot.camera_id });
  // Snapshots need the operator's token, which an <img src> cannot send: fetch, then show the blob.
  const url = snapshotSource(snapshot.snapshot_url);
  if (url) {
    fetch(url, { headers: { Authorization: `Bearer ${state.token}` } })
      .then((r) => (r.ok ? r.blob() : null))
      .then((blob) => { if (blob) img.src = URL.createObjectURL(blob); })
      .catch(() => {});
  }
  const distance = snapshot.distance_m == null ? "" : ` · ${Math.round(snapshot.distance_m)} m`;
  return el("figure", {}, img, el("figcaption", {}, `${snapshot.camera_id}${distance}`));
}

// ---------- actions ----------

async function act(path, body) {
  const incident = state.detail;
  if (!incident) return;
  try {
    const updated = await api(`/v1/incidents/${incident.id}/${path}`, { method: "POST", body, version: incident.version });
    if (updated?.version !== undefined) {
      state.incidents.set(updated.id, updated);
      // The next action must carry the new version, even before the detail reloads.
      if (state.detail?.id === updated.id) state.detail = { ...state.detail, ...updated };
    }
  } catch (error) {
    if (error.status === 409) banner(t("conflict"), "conflict");
    else banner(`${t("failed")}: ${error.message}`, "conflict");
    await loadQueue().catch(() => {});
  }
  await loadDetail();
  loadUnits().catch(() => {});
}

const acknowledge = () => state.detail && mayBecome("acknowledged", state.detail.status) && act("acknowledge");
const assign = (unitId) => act("assign", { unit_id: unitId });
const setStatus = (status) => act("status", { status });

function resolve() {
  const outcome = $("#outcome")?.value.trim();
  if (!outcome) { banner(t("outcomeRequired")); $("#outcome")?.focus(); return; }
  $("#outcome").blur();
  act("status", { status: "resolved", outcome });
}

async function addNote() {
  const text = $("#note")?.value.trim();
  if (!text || !state.detail) return;
  try {
    await api(`/v1/incidents/${state.detail.id}/notes`, { method: "POST", body: { text } });
    $("#note").value = "";
    $("#note").blur();  // back to the shortcuts
  } catch (error) {
    banner(`${t("failed")}: ${error.message}`, "conflict");
  }
  await loadDetail();
}

// ---------- live video ----------
// Each tile asks cctv-ingest (through dispatch) for a ticket, then plays its URL in a <video> (fragmented MP4)
// or an <img> (JPEG fallback for cameras browsers cannot play). Tiles are kept across re-renders of the
// detail (a live update must not restart the streams); removing a tile stops its stream at once.

const LIVE_GRID = 4;
const LIVE_PATH = /^\/v1\/cameras\/[A-Za-z0-9_.:-]{1,64}\/live$/;
const tiles = new Map();  // camera id -> tile element

function liveGrid(cameras) {
  const pinned = new Set(state.pinned.map((c) => c.id));  // those play in the pinned strip instead
  const wanted = [...state.opened,
    ...cameras.filter((c) => !["offline", "disabled"].includes(c.state) && !state.closed.has(c.id))]
    .filter((c, index, all) => !pinned.has(c.id) && all.findIndex((x) => x.id === c.id) === index)
    .slice(0, LIVE_GRID);
  for (const [id, tile] of tiles) {
    if (!wanted.some((c) => c.id === id) && !pinned.has(id)) stopTile(id, tile);
  }
  return el("div", { class: "live-grid", id: "live-grid" }, wanted.map((c) => tileFor(c)));
}

function tileFor(camera) {
  let tile = tiles.get(camera.id);
  if (!tile) {
    tile = el("div", { class: "live-tile", "data-camera": camera.id },
      el("div", { class: "live-media" }),
      el("div", { class: "live-caption" }, el("span", {}, `${camera.id} ${camera.name ?? ""}`),
        el("button", { class: "pin", type: "button", onclick: () => togglePin(camera) }, t("pin")),
        el("button", { class: "close", type: "button", "aria-label": t("close"),
          onclick: () => closeLive(camera.id) }, "✕")));
    tiles.set(camera.id, tile);
    startTile(camera.id, tile);
  }
  tile.querySelector(".pin").textContent = state.pinned.some((c) => c.id === camera.id) ? t("unpin") : t("pin");
  return tile;
}

async function startTile(cameraId, tile) {
  const media = tile.querySelector(".live-media");
  let session;
  try {
    session = await api(cctv(`/v1/cameras/${encodeURIComponent(cameraId)}/live-sessions`), { method: "POST" });
  } catch (error) {
    media.replaceChildren(el("p", { class: "muted" }, `${t("liveUnavailable")}: ${error.message}`));
    return;
  }
  const url = new URL(session.url, window.location.origin);
  if (!LIVE_PATH.test(url.pathname) || tiles.get(cameraId) !== tile) return;
  const src = cctv(`${url.pathname}${url.search}`);
  media.replaceChildren(session.mode === "jpeg"
    ? el("img", { class: "live", alt: cameraId, src })
    : el("video", { class: "live", muted: "", autoplay: "", playsinline: "", src }));
  const video = media.querySelector("video");
  if (video) { video.muted = true; video.play().catch(() => {}); }
}

function stopTile(cameraId, tile) {
  for (const media of tile.querySelectorAll("video, img.live")) {
    media.removeAttribute("src");  // aborts the request: cctv-ingest sees the viewer leave
    if (media.load) media.load();
  }
  tile.remove();
  tiles.delete(cameraId);
}

function closeLive(cameraId) {
  state.closed.add(cameraId);
  state.opened = state.opened.filter((c) => c.id !== cameraId);
  state.pinned = state.pinned.filter((c) => c.id !== cameraId);
  savePins();
  const tile = tiles.get(cameraId);
  if (tile) stopTile(cameraId, tile);
}

function openLive(camera) {
  state.closed.delete(camera.id);
  state.opened = [camera, ...state.opened.filter((c) => c.id !== camera.id)];
  if (state.detail) renderDetail(state.cameras ?? []);
  else renderPinned();
  tiles.get(camera.id)?.scrollIntoView({ block: "nearest" });
}

function togglePin(camera) {
  const pinned = state.pinned.some((c) => c.id === camera.id);
  state.pinned = pinned ? state.pinned.filter((c) => c.id !== camera.id)
    : [...state.pinned, { id: camera.id, name: camera.name ?? "" }];
  savePins();
  renderPinned();
  if (state.detail) renderDetail(state.cameras ?? []);
}

function savePins() {
  localStorage.setItem("kentongan.pinned", JSON.stringify(state.pinned));
}

// Pinned cameras stay live beside the health table whatever incident is selected (the wall screen's view).
function renderPinned() {
  const grid = state.pinned.map((c) => tileFor(c));
  $("#pinned").replaceChildren(grid.length ? el("h2", {}, t("pinned")) : "",
    el("div", { class: "live-grid" }, grid));
}

function stopAllLive() {
  for (const [id, tile] of tiles) stopTile(id, tile);
}

// ---------- camera health ----------

async function loadHealth() {
  let summary;
  try {
    summary = await api(cctv("/v1/cameras/health"));
  } catch {
    $("#health").replaceChildren(el("p", { class: "muted" }, t("camerasDown")));
    return;
  }
  const rows = Object.entries(summary.by_kecamatan).sort(([a], [b]) => a.localeCompare(b));
  const sum = (counts) => Object.values(counts).reduce((x, y) => x + y, 0);
  $("#health").replaceChildren(el("table", { class: "health" },
    el("thead", {}, el("tr", {}, el("th", {}, t("area")), el("th", {}, t("online")), el("th", {}, t("offline")),
      el("th", {}, t("total")))),
    el("tbody", {}, rows.map(([area, counts]) => el("tr", {}, el("td", {}, area),
      el("td", { class: "on" }, String(counts.online ?? 0)), el("td", { class: "off" }, String(counts.offline ?? 0)),
      el("td", {}, String(sum(counts))))),
    el("tr", {}, el("td", {}, el("strong", {}, t("total"))),
      el("td", { class: "on" }, String(summary.by_state.online ?? 0)),
      el("td", { class: "off" }, String(summary.by_state.offline ?? 0)), el("td", {}, String(summary.total))))));
}

// ---------- language, keys, start ----------

function applyLanguage() {
  document.documentElement.lang = state.lang;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-title]")) node.title = t(node.dataset.i18nTitle);
  $("#lang").textContent = state.lang === "id" ? "EN" : "ID";
  setLive($("#live").dataset.state === "on");
  renderQueue();
  if (state.detail) loadDetail();
  if (state.token) loadHealth();
}

function moveSelection(step) {
  const list = sortedQueue();
  if (!list.length) return;
  const index = list.findIndex((i) => i.id === state.selectedId);
  const next = index < 0 ? 0 : Math.min(list.length - 1, Math.max(0, index + step));
  select(list[next].id);
}

const KEYS = {
  j: () => moveSelection(1), k: () => moveSelection(-1), a: () => acknowledge(),
  s: () => state.suggested[0] && assign(state.suggested[0].id),
  e: () => setStatus("en_route"), o: () => setStatus("on_scene"),
  n: () => $("#note")?.focus(), r: () => $("#outcome")?.focus(),
  l: () => document.body.classList.toggle("large"), "?": () => $("#help").showModal(),
};

function onKey(event) {
  if (event.target.closest("input, textarea")) {
    if (event.key === "Escape") event.target.blur();  // leave a field, back to the shortcuts
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const action = KEYS[event.key];
  if (action && !$("#app").hidden && !lock.locked) { event.preventDefault(); action(); }
}

function signOut() {
  stopAllLive();
  state.token = null;
  auth?.forget();
  clearTimeout(state.reconnectTimer);
  state.stream?.close();
  setLive(false);
  $("#app").hidden = true;
  $("#signin").hidden = false;
}

async function start() {
  try {
    await api("/v1/units");
  } catch {
    $("#signin-error").textContent = t("badToken");
    signOut();
    return;
  }
  $("#signin").hidden = true;
  $("#app").hidden = false;
  unlock();
  state.config = await fetch("/console/config.json").then((r) => r.json());
  if (!map) setupMap();
  map.invalidateSize();
  await loadQueue();
  connectStream();
  loadUnits().catch(() => {});
  loadHealth();
  renderPinned();
}

$("#signin-form").addEventListener("submit", (event) => {
  event.preventDefault();
  beep(0);  // unlock audio on this user gesture so alarm beeps can play later
  if (auth) { auth.signIn(); return; }
  state.token = $("#token").value.trim();
  start();
});
$("#signout").addEventListener("click", () => (auth ? auth.signOut() : signOut()));
$("#lang").addEventListener("click", () => {
  state.lang = state.lang === "id" ? "en" : "id";
  localStorage.setItem("kentongan.lang", state.lang);
  applyLanguage();
});
$("#large").addEventListener("click", () => document.body.classList.toggle("large"));
$("#help-btn").addEventListener("click", () => $("#help").showModal());
document.addEventListener("keydown", onKey);

setInterval(() => {
  for (const node of document.querySelectorAll("[data-since]")) node.textContent = since(node.dataset.since);
  $("#clock").textContent = new Date().toLocaleTimeString(state.lang === "id" ? "id-ID" : "en-GB");
}, 1000);
setInterval(() => { if (state.token) loadUnits().catch(() => {}); }, 15000);
setInterval(() => { if (state.token) loadHealth(); }, 30000);

// ---------- sign-in (signin.js) ----------

let auth = null;  // the OIDC session, when the platform has a provider
const lock = idleLock(IDLE_LOCK_MS, () => {
  if ($("#app").hidden) return unlock();
  document.activeElement?.blur();
  $("#lock").hidden = false;
});

function unlock() {
  lock.reset();
  $("#lock").hidden = true;
}

// A renewed token replaces the old one at once; the live stream moves to it when the server ends the old one.
function onToken(token) {
  const signedIn = state.token;
  state.token = token;
  if (!token && signedIn) signOut();
}

async function boot() {
  applyLanguage();
  const config = await fetch("/console/config.json").then((r) => r.json()).catch(() => ({}));
  if (config.oidc_issuer) {
    auth = oidcSession({ issuer: config.oidc_issuer, clientId: config.oidc_client_id, onToken });
    document.body.classList.add("sso");
    $("#token").required = false;
    document.addEventListener("pointerdown", () => beep(0), { once: true });  // audio needs a gesture
    try {
      if (await auth.resume()) return start();
    } catch (error) {
      $("#signin-error").textContent = `${t("signInFailed")}: ${error.message}`;
    }
  }
  signOut();
}

$("#unlock").addEventListener("click", () => (auth ? auth.signIn({ again: true }) : (unlock(), signOut())));
boot();
