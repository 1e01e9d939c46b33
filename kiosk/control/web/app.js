// The wall's control page: plain JavaScript over the wall's HTTP API (see /openapi.json).
// No build step and no framework: the wall serves these files as they are.
"use strict";

const STATUS_MS = 3000; // screens' pages, messages and data ages
const THUMBS_MS = 5000; // screenshots: live enough, and light on a phone's data
const THUMB_MAX_PX = 960; // never pull a 4K grab for a card a few hundred pixels wide
const POSTS_SHOWN = 30; // of the moderation queue: the newest, enough for a phone's screen
const TOKEN_KEY = "kiosk.token";
const FIELD_NAMES = {
  headline: "Headline", body: "Body", tone: "Tone", duration: "Duration", until: "End time",
  to: "Target", page: "Page", screen: "Screen", seconds: "Seconds", id: "Message", limit: "Limit",
};
const COMMAND_WORDS = {
  message: "Message", end_message: "Message ended", next: "Next page", previous: "Previous page",
  pin: "Page pinned", unpin: "Rotation resumed", blank: "Blanked", wake: "Woken",
  identify: "Identify", approve: "Approved", reject: "Rejected", hide: "Hidden",
};

const $ = (id) => document.getElementById(id);
const state = {
  screens: [], groups: [], status: null, target: "all", thumbs: new Map(),
  fleetThumbs: new Map(), // "box/screen" → { made: when it was published (s, this clock), url }
};

// -- talking to the wall -------------------------------------------------------------------

class ApiError extends Error {
  constructor(message, status = 0) {
    super(message);
    this.status = status;
  }
}
let loginPending = null;

/** fetch() with the token; a 401 asks for a token and tries again. Throws ApiError in plain words. */
async function api(path, options = {}) {
  for (;;) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const headers = new Headers(options.headers || {});
    if (token) headers.set("Authorization", `Bearer ${token}`);
    let response;
    try {
      response = await fetch(path, { ...options, headers, cache: "no-store" });
    } catch {
      throw new ApiError("The wall does not answer. Is it running, and is this its address?");
    }
    if (response.status === 401) {
      if (sessionStorage.getItem(TOKEN_KEY) === token) { // not already replaced by a newer one
        sessionStorage.removeItem(TOKEN_KEY);
        await askToken(token ? "That token was not accepted. Check it and try again." : "");
      }
      continue;
    }
    if (response.ok) return response;
    let body = {};
    try { body = await response.json(); } catch { /* not JSON: the status says enough */ }
    throw new ApiError(plainWords(response.status, body), response.status);
  }
}

function askToken(problem) {
  if (loginPending) return loginPending;
  loginPending = new Promise((resolve) => {
    const dialog = $("login");
    const form = $("login-form");
    form.reset();
    $("login-problem").textContent = problem;
    form.onsubmit = (event) => {
      event.preventDefault();
      const token = form.elements.token.value.trim();
      if (!token) {
        $("login-problem").textContent = "Type the token you were given.";
        return;
      }
      sessionStorage.setItem(TOKEN_KEY, token);
      dialog.close();
      loginPending = null;
      resolve();
    };
    dialog.oncancel = (event) => event.preventDefault(); // nothing works without a token
    dialog.showModal();
  });
  return loginPending;
}

function plainWords(status, body) {
  const issues = Array.isArray(body.issues) ? body.issues : [];
  if (issues.length) return issues.map(issueWords).join("\n");
  const error = typeof body.error === "string" ? body.error : "";
  if (status === 403) return `This token may not do that: ${error}.`;
  if (status === 413) return "That is too long to send.";
  return error ? `The wall refused: ${error}.` : `The wall answered with error ${status}.`;
}

function issueWords(issue) {
  const path = Array.isArray(issue.path) ? issue.path : [];
  const [first, ...rest] = path;
  let field = first === undefined ? "Command" : FIELD_NAMES[first] || String(first);
  if (rest.length) field += ` ${rest.map((part) => (Number.isInteger(part) ? part + 1 : part)).join(" ")}`;
  const text = String(issue.message || "is not valid").replace(/^(String|Value|Input) should/, "should");
  return text.startsWith("should") ? `${field} ${text}.` : `${field}: ${text}.`;
}

// -- what the page says --------------------------------------------------------------------

const inPanel = () => $("panel").open;

function showProblem(text) {
  const box = inPanel() ? $("panel-problem") : $("problem");
  (inPanel() ? box : $("problem-text")).textContent = text;
  box.hidden = false;
  box.scrollIntoView({ block: "nearest" });
}

function clearProblems() {
  $("problem").hidden = true;
  $("panel-problem").hidden = true;
}

let noticeTimer = 0;
function notify(text) {
  const box = inPanel() ? $("panel-notice") : $("notice");
  for (const other of [$("panel-notice"), $("notice")]) other.hidden = other !== box;
  box.textContent = text;
  box.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { box.hidden = true; }, 5000);
}

function setHealth(ok, text) {
  $("health").textContent = text;
  $("health").classList.toggle("ok", ok);
  $("health").classList.toggle("bad", !ok);
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function ago(seconds) {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

const names = (list) => list.join(", ") || "no screen";

// -- screens -------------------------------------------------------------------------------

/** A layout screen's windows in /v1/status: one, or a span's panels ("name#…"). */
function windowsOf(name) {
  const screens = state.status ? state.status.screens : {};
  return Object.entries(screens).filter(([key]) => key.split("#")[0] === name).map(([, w]) => w);
}

function targetScreens(target) {
  if (target === "all") return state.screens;
  const screen = state.screens.find((s) => s.name === target);
  return screen ? [screen] : state.screens.filter((s) => s.groups.includes(target));
}

function targetLabel(target) {
  if (target === "all") return "All screens";
  if (state.screens.some((s) => s.name === target)) return target;
  return `Group ${target}`;
}

function fillTargets() {
  const select = $("target");
  select.replaceChildren();
  const screens = el("optgroup");
  screens.label = "Screens";
  for (const screen of state.screens) screens.append(new Option(screen.name, screen.name));
  const groups = el("optgroup");
  groups.label = "Groups";
  for (const group of state.groups) groups.append(new Option(`${group} (group)`, group));
  select.append(new Option("All screens", "all"), screens);
  if (state.groups.length) select.append(groups);
  select.value = state.target;
}

function buildCards() {
  const grid = $("screens");
  grid.replaceChildren();
  for (const screen of state.screens) {
    const card = el("button", "screen");
    card.type = "button";
    card.dataset.screen = screen.name;
    card.setAttribute("aria-label", `Control ${screen.name}`);
    const thumb = el("span", "thumb");
    const img = el("img");
    img.alt = `What ${screen.name} shows`;
    thumb.append(img, el("span", "thumb-note", "loading…"));
    const head = el("span", "head");
    head.append(el("span", "name", screen.name));
    for (const group of screen.groups) head.append(el("span", "chip", group));
    const facts = el("span", "facts");
    for (const fact of ["page", "message", "age"]) facts.append(el("span", `fact ${fact}`));
    card.append(thumb, head, facts);
    card.addEventListener("click", () => openPanel(screen.name));
    grid.append(card);
  }
}

function renderStatus() {
  for (const screen of state.screens) {
    const card = document.querySelector(`.screen[data-screen="${CSS.escape(screen.name)}"]`);
    if (!card) continue;
    const windows = windowsOf(screen.name);
    const first = windows[0];
    const fact = (name) => card.querySelector(`.fact.${name}`);
    card.classList.toggle("off", !first);
    if (!first) {
      fact("page").textContent = "Not on any monitor now";
      fact("message").textContent = "";
      fact("age").textContent = "";
      continue;
    }
    let page = first.page || first.takeover || "—";
    if (first.blanked) page = "Blanked";
    else if (!first.awake) page = "Asleep (outside its hours)";
    else if (first.pinned) page += " · pinned";
    fact("page").textContent = page;
    const message = first.message;
    fact("message").textContent = message ? `“${message.headline}” · ${ago(message.ends_in_s)} left` : "";
    fact("message").dataset.tone = message ? message.tone : "";
    const ages = windows.flatMap((w) => w.widgets.map((g) => g.age_s)).filter((a) => a !== null);
    fact("age").textContent = ages.length ? `Data ${ago(Math.max(...ages))} old` : "";
  }
  if (inPanel()) renderPanelState();
}

async function refreshThumbs() {
  for (const screen of state.screens) {
    const card = document.querySelector(`.screen[data-screen="${CSS.escape(screen.name)}"]`);
    if (!card || document.hidden) continue;
    const img = card.querySelector("img");
    const note = card.querySelector(".thumb-note");
    const wanted = Math.round((img.parentElement.clientWidth || 400) * devicePixelRatio);
    const width = Math.max(160, Math.min(THUMB_MAX_PX, wanted));
    const path = `/v1/screens/${encodeURIComponent(screen.name)}/screenshot?width=${width}`;
    try {
      const blob = await (await api(path)).blob();
      const old = state.thumbs.get(screen.name);
      const url = URL.createObjectURL(blob);
      state.thumbs.set(screen.name, url);
      img.src = url;
      if (old) URL.revokeObjectURL(old);
      note.textContent = "";
    } catch (error) {
      note.textContent = windowsOf(screen.name).length ? error.message : "not on a monitor";
    }
  }
}

// -- the control panel ----------------------------------------------------------------------

function openPanel(target) {
  state.target = target;
  $("target").value = target;
  $("panel-title").textContent = targetLabel(target);
  $("panel-problem").hidden = true;
  $("panel-notice").hidden = true;
  renderPanelState();
  if (!inPanel()) $("panel").showModal();
}

function renderPanelState() {
  const screens = targetScreens(state.target);
  $("panel-screens").textContent = screens.length > 1 || state.target !== screens[0]?.name
    ? names(screens.map((s) => s.name)) : screens[0]?.groups.map((g) => `group ${g}`).join(", ") || "";
  // Pages every target screen has: a pin must name a page on each (the API checks it too).
  const common = screens.length ? screens[0].pages.filter((p) => screens.every((s) => s.pages.includes(p))) : [];
  const shown = screens.length === 1 ? windowsOf(screens[0].name)[0] : undefined;
  const pages = $("pages");
  pages.replaceChildren();
  for (const title of common) {
    const button = el("button", "chip-button", title);
    button.type = "button";
    button.setAttribute("aria-pressed", String(Boolean(shown && shown.pinned && shown.page === title)));
    button.addEventListener("click", () => command({ command: "pin", page: title }));
    pages.append(button);
  }
  if (!common.length) pages.append(el("p", "muted", "These screens have no page in common to pin."));
  const wanted = new Set(screens.map((s) => s.name));
  const messages = (state.status ? state.status.messages : []).filter((m) => m.screens.some((s) => wanted.has(s)));
  const list = $("panel-messages");
  list.replaceChildren();
  for (const message of messages) {
    const row = el("div", "in-force-row");
    row.dataset.tone = message.tone;
    row.append(el("span", "", `“${message.headline}” on ${names(message.screens)} · ${ago(message.ends_in_s)} left`));
    const end = el("button", "", "End");
    end.type = "button";
    end.addEventListener("click", () => command({ command: "end_message", id: message.id }, false));
    row.append(end);
    list.append(row);
  }
}

/** Send a command to the panel's target; say what happened, or what was wrong, in words. */
async function command(body, targeted = true) {
  clearProblems();
  const full = targeted ? { ...body, to: [state.target] } : body;
  try {
    const response = await api("/v1/commands", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(full),
    });
    const result = await response.json();
    const where = result.screens ? ` on ${names(result.screens)}` : "";
    const missing = (result.screens || []).filter((s) => !(result.shown_on || []).includes(s));
    const note = missing.length ? ` (${names(missing)} not on a monitor now)` : "";
    if (full.command === "message") $("panel").close();
    notify(`${COMMAND_WORDS[full.command] || full.command}${where}${note}.`);
    refreshAfterCommand();
    return result;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    showProblem(error.message);
    return null;
  }
}

async function sendMessage(event) {
  event.preventDefault();
  const form = event.target;
  const data = new FormData(form);
  const body = {
    command: "message",
    headline: String(data.get("headline")).trim(),
    tone: data.get("tone"),
    duration: data.get("duration"),
  };
  const text = String(data.get("body")).trim();
  if (text) body.body = text;
  const button = $("send-message");
  button.disabled = true;
  try {
    if (await command(body)) {
      form.elements.headline.value = "";
      form.elements.body.value = "";
    }
  } finally {
    button.disabled = false;
  }
}

// -- the log --------------------------------------------------------------------------------

async function refreshLog() {
  const { entries } = await (await api("/v1/audit?limit=50")).json();
  const list = $("log");
  list.replaceChildren();
  for (const entry of entries) {
    const item = el("li");
    const at = new Date(entry.at);
    const time = el("time", "", at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" }));
    time.dateTime = entry.at;
    const detail = entry.detail || {};
    let what = COMMAND_WORDS[entry.command] || entry.command;
    if (detail.headline) what += ` “${detail.headline}”`;
    if (detail.page !== undefined) what += ` ${detail.page}`;
    item.dataset.tone = detail.tone || "";
    item.append(time, el("span", "what", what), el("span", "where", `${names(entry.screens)} · by ${entry.who}`));
    list.append(item);
  }
  if (!entries.length) list.append(el("li", "empty", "Nothing pushed yet."));
}

// -- moderation: posts waiting for a person before public screens show them ----------------

async function refreshModeration() {
  let queue;
  try {
    queue = await (await api("/v1/moderation")).json();
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    $("moderation-mode").textContent = "This wall has no moderation queue.";
    return;
  }
  const approval = queue.approval;
  $("moderation-mode").textContent = approval === "off"
    ? "Approval is off: public screens show what the layout's rules let through."
    : approval === "required"
      ? "Posts wait here until someone approves them for the public screens."
      : `Posts go up on the public screens after ${ago(approval.auto_after)} unless rejected.`;
  const tab = $("tab-button-moderation");
  tab.replaceChildren("Moderation");
  if (queue.pending_count) tab.append(el("span", "badge", String(queue.pending_count)));
  renderPosts($("pending"), queue.pending, true, "No post is waiting.");
  renderPosts($("decided"), queue.recent, false, "Nothing decided yet.");
}

function renderPosts(list, entries, waiting, empty) {
  list.replaceChildren();
  for (const entry of entries.slice(0, POSTS_SHOWN)) {
    const post = entry.post;
    const item = el("li", "post");
    item.dataset.post = entry.id;
    item.dataset.state = entry.state;
    const who = `${post.author}${post.handle ? ` @${post.handle.replace(/^@/, "")}` : ""} · ${post.platform}`;
    item.append(el("span", "who", who), el("p", "text", post.text));
    if (waiting) {
      const row = el("span", "row");
      for (const [decision, label] of [["approve", "Approve"], ["reject", "Reject"]]) {
        const button = el("button", decision === "approve" ? "primary" : "", label);
        button.type = "button";
        button.dataset.decide = decision;
        button.addEventListener("click", async () => {
          button.disabled = true;
          if (await command({ command: decision, id: entry.id }, false)) runModeration();
          button.disabled = false;
        });
        row.append(button);
      }
      item.append(row);
    } else {
      item.append(el("span", "muted", `${entry.state}${entry.by ? ` by ${entry.by}` : ""}`));
    }
    list.append(item);
  }
  if (!entries.length) list.append(el("li", "empty", empty));
  if (entries.length > POSTS_SHOWN) list.append(el("li", "empty", `and ${entries.length - POSTS_SHOWN} more`));
}

// -- the fleet: every box of the site ---------------------------------------------------------

function boxItem(name) {
  const list = $("fleet");
  let item = list.querySelector(`.box[data-box="${CSS.escape(name)}"]`);
  if (item) return item;
  item = el("li", "box");
  item.dataset.box = name;
  const head = el("span", "head");
  head.append(el("span", "name", name), el("span", "online"), el("span", "chip role"));
  const facts = el("span", "facts");
  for (const fact of ["screens", "age", "heartbeat"]) facts.append(el("span", `fact ${fact}`));
  item.append(head, facts, el("span", "thumbs"));
  list.append(item);
  return item;
}

async function showFleetThumb(item, box, screen, age) {
  const key = `${box}/${screen}`;
  const made = Date.now() / 1000 - age;
  const known = state.fleetThumbs.get(key);
  let figure = item.querySelector(`figure[data-screen="${CSS.escape(screen)}"]`);
  if (!figure) {
    figure = el("figure");
    figure.dataset.screen = screen;
    const thumb = el("span", "thumb");
    const img = el("img");
    img.alt = `What ${screen} on ${box} shows`;
    thumb.append(img);
    figure.append(thumb, el("figcaption"));
    item.querySelector(".thumbs").append(figure);
  }
  figure.querySelector("figcaption").textContent = `${screen} · ${ago(age)} ago`;
  if (known && Math.abs(known.made - made) < 2) return; // the same picture: no download
  const path = `/v1/fleet/${encodeURIComponent(box)}/${encodeURIComponent(screen)}/thumbnail`;
  const url = URL.createObjectURL(await (await api(path)).blob());
  figure.querySelector("img").src = url;
  if (known) URL.revokeObjectURL(known.url);
  state.fleetThumbs.set(key, { made, url });
}

async function refreshFleet() {
  const { boxes } = await (await api("/v1/fleet")).json();
  for (const item of $("fleet").querySelectorAll(".box")) {
    if (!(item.dataset.box in boxes)) item.remove();
  }
  for (const [name, box] of Object.entries(boxes)) {
    const item = boxItem(name);
    item.classList.toggle("offline", !box.online);
    item.querySelector(".online").textContent = box.online ? "online" : "offline";
    item.querySelector(".role").textContent = box.role || "?";
    const fact = (which) => item.querySelector(`.fact.${which}`);
    fact("screens").textContent = box.role === "wall" ? `Screens: ${names(box.screens || [])}` : "";
    fact("age").textContent = box.data_age_s === null || box.data_age_s === undefined
      ? "" : `Data ${ago(box.data_age_s)} old`;
    fact("heartbeat").textContent = `Heartbeat ${ago(box.heartbeat_age_s)} ago`;
    for (const [screen, age] of Object.entries(box.thumbnails || {})) {
      await showFleetThumb(item, name, screen, age);
    }
  }
}

/** The Fleet tab, on a wall that takes its data over MQTT (else /v1/fleet says 404). */
async function startFleet() {
  try {
    await api("/v1/fleet");
  } catch (error) {
    if (error.status === 404) return; // one box, no fleet: no tab
    throw error;
  }
  $("tab-button-fleet").hidden = false;
  runFleet = every(STATUS_MS, async () => { if (activeTab() === "fleet") await refreshFleet(); });
}

// -- keeping it live --------------------------------------------------------------------------

async function refreshStatus() {
  state.status = await (await api("/v1/status")).json();
  renderStatus();
  const shown = Object.keys(state.status.screens).length;
  setHealth(true, `live · ${shown} window${shown === 1 ? "" : "s"}`);
}

function activeTab() {
  return document.querySelector('[role="tab"][aria-selected="true"]').dataset.tab;
}

/** Run ``task`` every ``ms`` while the page is visible; never two at once. */
function every(ms, task) {
  let running = false;
  let again = false; // asked for while running (a command was just sent): run once more after
  const run = async () => {
    if (document.hidden) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        try { await task(); } catch (error) { setHealth(false, error.message); }
      } while (again);
    } finally {
      running = false;
    }
  };
  setInterval(run, ms);
  document.addEventListener("visibilitychange", run);
  run();
  return run;
}

let runStatus = () => {};
let runThumbs = () => {};
let runLog = () => {};
let runModeration = () => {};
let runFleet = () => {};
function refreshAfterCommand() {
  runStatus();
  runThumbs();
  runLog();
}

function showTab(name) {
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
    $(`tab-${tab.dataset.tab}`).hidden = tab.dataset.tab !== name;
  }
  if (name === "log") runLog();
  if (name === "moderation") runModeration();
  if (name === "fleet") runFleet();
}

async function start() {
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    tab.addEventListener("click", () => showTab(tab.dataset.tab));
  }
  $("problem-close").addEventListener("click", clearProblems);
  $("panel-close").addEventListener("click", () => $("panel").close());
  $("panel").addEventListener("click", (event) => {
    if (event.target === $("panel")) $("panel").close(); // a tap on the backdrop
  });
  $("open-panel").addEventListener("click", () => openPanel($("target").value));
  $("target").addEventListener("change", () => { state.target = $("target").value; });
  $("message-form").addEventListener("submit", sendMessage);
  for (const button of document.querySelectorAll("[data-command]")) {
    button.addEventListener("click", () => command({ command: button.dataset.command }));
  }
  try {
    const { screens } = await (await api("/v1/screens")).json();
    state.screens = screens;
    state.groups = [...new Set(screens.flatMap((s) => s.groups))].sort();
  } catch (error) {
    setHealth(false, "not connected");
    showProblem(error.message);
    return;
  }
  fillTargets();
  buildCards();
  runStatus = every(STATUS_MS, refreshStatus);
  runThumbs = every(THUMBS_MS, refreshThumbs);
  runLog = every(STATUS_MS, async () => { if (activeTab() === "log") await refreshLog(); });
  runModeration = every(STATUS_MS, async () => {
    if (activeTab() === "moderation") await refreshModeration();
  });
  startFleet().catch((error) => setHealth(false, error.message));
}

start();
