// The dashboard page: reads the analytics API of this origin with the
// team's token and draws it. The token lives in sessionStorage (this tab
// only, gone when it closes) and travels only in the Authorization header,
// never in a URL.
//
// Every number drawn is also in a data-* attribute holding the JSON value
// as it came (data-path names the field), so a test can compare the page
// with the API exactly.
"use strict";

(() => {
  const $ = sel => document.querySelector(sel);
  const store = window.sessionStorage;
  const PAGE = 10; // snapshot periods a page

  // ---- formatting ----------------------------------------------------
  const nf = new Intl.NumberFormat("en", { maximumFractionDigits: 2 });
  const fmtCount = v => nf.format(v);
  const fmtRate = v => `${nf.format(v)}\u00a0%`;
  // fmtSeconds writes seconds as "42.5 s", "23 min 5 s" or "2 h 3 min";
  // no line breaks inside a number and its unit.
  function fmtSeconds(s) {
    if (s < 60) return `${nf.format(s)}\u00a0s`;
    const whole = Math.round(s), m = Math.floor(whole / 60), r = whole % 60;
    if (m < 60) return `${m}\u00a0min ${r}\u00a0s`;
    return `${Math.floor(m / 60)}\u00a0h ${m % 60}\u00a0min`;
  }
  function fmtChange(v, kind) {
    const sign = v > 0 ? "+" : v < 0 ? "−" : "±";
    return `${sign}${nf.format(Math.abs(v))}\u00a0${kind === "rate" ? "pp" : "%"}`;
  }
  const get = (obj, path) => path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);

  function el(name, attrs, text) {
    const e = document.createElement(name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // ---- the API -------------------------------------------------------

  // ApiError is a response other than 200, with the sentence to show.
  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  // teamPath escapes the team ID as one path segment, dots too ("." and
  // ".." would otherwise be resolved as dot segments).
  const teamPath = team => `/v1/teams/${encodeURIComponent(team).replace(/\./g, "%2E")}/analytics/`;

  async function call(route, params) {
    const team = store.getItem("team") || "", token = store.getItem("token") || "";
    const qs = new URLSearchParams(params || {}).toString();
    let resp;
    try {
      resp = await fetch(teamPath(team) + route + (qs ? "?" + qs : ""), {
        headers: { Authorization: "Bearer " + token, Accept: "application/json" },
        cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer",
      });
    } catch (e) {
      throw new ApiError(0, "The server cannot be reached. Check that it is running, then try again.");
    }
    let body = null;
    try { body = await resp.json(); } catch (e) { /* not JSON: described by status */ }
    if (!resp.ok) throw new ApiError(resp.status, describe(resp, body, team));
    return { body, headers: resp.headers };
  }

  // describe turns an error response into a sentence for the user.
  function describe(resp, body, team) {
    const said = body && body.error && body.error.message ? ` (the server said: ${body.error.message})` : "";
    switch (resp.status) {
      case 401:
        return "The token was not accepted. Paste the team's token again." + said;
      case 403:
        return `This token may not read the team “${team}”. A team's token reads only its own team.` + said;
      case 404:
        return `There is no team “${team}” (or no such account).` + said;
      case 429: {
        const after = parseInt(resp.headers.get("Retry-After") || "", 10);
        const wait = after > 0 ? `Try again in ${after} second${after === 1 ? "" : "s"}.` : "Try again shortly.";
        return `Too many requests with this token. ${wait}` + said;
      }
      default:
        return `The request failed with status ${resp.status}.` + said;
    }
  }

  // ---- messages ------------------------------------------------------
  function showError(err) {
    const box = $("#error");
    box.textContent = err.message;
    box.dataset.status = String(err.status || 0);
    box.hidden = false;
  }
  function clearError() {
    const box = $("#error");
    box.hidden = true;
    box.textContent = "";
    delete box.dataset.status;
  }
  const status = text => { $("#status").textContent = text; };

  // ---- real-time tiles ----------------------------------------------
  const TILES = [
    ["Messages", "messages.total", fmtCount, m => `${fmtCount(m.messages.inbound)} in · ${fmtCount(m.messages.outbound)} out`],
    ["Delivery rate", "messages.deliveryRate", fmtRate, m => `${fmtCount(m.messages.delivered)} of ${fmtCount(m.messages.sent)} sent`],
    ["Read rate", "messages.readRate", fmtRate, m => `${fmtCount(m.messages.read)} of ${fmtCount(m.messages.delivered)} delivered`],
    ["Reply rate", "messages.replyRate", fmtRate, m => `${fmtCount(m.messages.replied)} of ${fmtCount(m.messages.sent)} sent`],
    ["Avg response time", "conversations.avgResponseTime", fmtSeconds,
      m => `median ${fmtSeconds(m.conversations.medianResponseTime)} · p90 ${fmtSeconds(m.conversations.p90ResponseTime)}`],
    // Business hours: shown only for a team with working hours, whose
    // answered turns all have a business time (businessResponseCount).
    ["Avg response, business hours", "conversations.avgBusinessResponseTime", fmtSeconds,
      m => `median ${fmtSeconds(m.conversations.medianBusinessResponseTime)} · p90 ${fmtSeconds(m.conversations.p90BusinessResponseTime)}`,
      m => m.conversations.businessResponseCount > 0],
  ];

  function renderTiles(rt) {
    const ul = $("#tiles");
    ul.replaceChildren();
    for (const [name, path, fmt, sub, show] of TILES) {
      if (show && !show(rt.metrics)) continue;
      const v = get(rt.metrics, path);
      const li = el("li", { class: "tile", "data-path": path, "data-value": String(v) });
      li.append(el("span", { class: "tile-name" }, name), el("span", { class: "tile-value" }, fmt(v)),
        el("span", { class: "tile-sub" }, sub(rt.metrics)));
      ul.append(li);
    }
    const p = rt.metrics.period;
    $("#rt-period").textContent = p && p.start ? `(since ${p.start.replace("T", " ").slice(0, 16)}, team time)` : "";
  }

  // ---- the dashboard ---------------------------------------------------
  const CHARTS = [
    ["#chart-messages", fmtCount, [["messages.inbound", "Inbound"], ["messages.outbound", "Outbound"]]],
    ["#chart-rates", v => nf.format(v), [["messages.deliveryRate", "Delivery"], ["messages.readRate", "Read"], ["messages.replyRate", "Reply"]]],
    ["#chart-response", v => nf.format(v), [["conversations.medianResponseTime", "Median"], ["conversations.p90ResponseTime", "90th percentile"]]],
  ];

  // COMPARISON rows: label, path in Metrics, field of Growth, kind.
  const COMPARISON = [
    ["Messages", "messages.total", "messages", "count"],
    ["Inbound", "messages.inbound", "inbound", "count"],
    ["Outbound", "messages.outbound", "outbound", "count"],
    ["Delivery rate", "messages.deliveryRate", "deliveryRate", "rate"],
    ["Read rate", "messages.readRate", "readRate", "rate"],
    ["Reply rate", "messages.replyRate", "replyRate", "rate"],
    ["Failure rate", "messages.failureRate", "failureRate", "rate"],
    ["Avg response time", "conversations.avgResponseTime", "avgResponseTime", "time"],
    ["Conversations", "conversations.total", "conversations", "count"],
    ["New contacts", "contacts.new", "newContacts", "count"],
  ];

  let shown = null; // the dashboard drawn, to draw again at a new width

  function renderCharts(d) {
    const dates = d.series.map(s => s.date);
    for (const [sel, format, keys] of CHARTS) {
      Chart.line($(sel), {
        dates, format,
        series: keys.map(([key, name]) => ({ key, name, values: d.series.map(s => get(s.metrics, key)) })),
      });
    }
  }

  // renderDashboard draws the charts and the comparison; #data must be
  // shown, for the charts take its width.
  function renderDashboard(d) {
    shown = d;
    renderCharts(d);
    const dates = d.series.map(s => s.date);
    $("#dash-days").textContent = $("#cmp-days").textContent = String(d.days);
    $("#dash-period").textContent = dates.length ? `(${dates[0]} to ${dates[dates.length - 1]})` : "";
    const body = $("#comparison tbody");
    body.replaceChildren();
    for (const [label, path, g, kind] of COMPARISON) {
      const cur = get(d.current, path), prev = get(d.previous, path), ch = d.growth[g];
      const fmt = kind === "rate" ? fmtRate : kind === "time" ? fmtSeconds : fmtCount;
      const tr = el("tr", { "data-path": path, "data-current": String(cur), "data-previous": String(prev), "data-change": String(ch) });
      tr.append(el("th", { scope: "row" }, label), el("td", {}, fmt(cur)), el("td", {}, fmt(prev)),
        el("td", {}, fmtChange(ch, kind)));
      body.append(tr);
    }
  }

  // ---- the traffic heatmap ---------------------------------------------
  const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  const WEEK = [1, 2, 3, 4, 5, 6, 0]; // rows, Monday first; values are the API's weekday (Sunday = 0)
  const hh = h => String(h).padStart(2, "0");

  // heatLevel maps a count to one of six shades: 0 for none, then 1–5 in
  // equal fifths of the busiest cell.
  const heatLevel = (v, max) => (v === 0 || max === 0 ? 0 : Math.min(5, Math.ceil((5 * v) / max)));

  // renderHeatmap draws the weekday × hour grid of a TrafficReport: each
  // cell shows the hour's messages (inbound + outbound) and keeps its three
  // counts in data-* attributes.
  function renderHeatmap(r) {
    const cells = new Map();
    for (const c of r.traffic || []) cells.set(c.weekday * 24 + c.hour, c);
    let max = 0;
    for (const c of cells.values()) max = Math.max(max, c.inbound + c.outbound);
    const head = $("#heatmap thead tr");
    head.replaceChildren(el("th", { scope: "col" }, "Day"));
    for (let h = 0; h < 24; h++) head.append(el("th", { scope: "col", title: `${hh(h)}:00–${hh(h)}:59` }, hh(h)));
    const body = $("#heatmap tbody");
    body.replaceChildren();
    for (const wd of WEEK) {
      const tr = el("tr", { "data-weekday": String(wd) });
      tr.append(el("th", { scope: "row", title: DAYS[wd] }, DAYS[wd].slice(0, 3)));
      for (let h = 0; h < 24; h++) {
        const c = cells.get(wd * 24 + h) || { inbound: 0, outbound: 0, conversations: 0 };
        const v = c.inbound + c.outbound;
        const what = `${DAYS[wd]} ${hh(h)}:00–${hh(h)}:59: ${fmtCount(c.inbound)} inbound, ` +
          `${fmtCount(c.outbound)} outbound, ${fmtCount(c.conversations)} new conversations`;
        tr.append(el("td", {
          class: `l${heatLevel(v, max)}`, title: what, "aria-label": what,
          "data-weekday": String(wd), "data-hour": String(h), "data-value": String(v),
          "data-inbound": String(c.inbound), "data-outbound": String(c.outbound), "data-conversations": String(c.conversations),
        }, v ? fmtCount(v) : ""));
      }
      body.append(tr);
    }
    $("#heat-days").textContent = String(r.days);
    $("#heat-zone").textContent = `(${r.timeZone})`;
    const t = r.total;
    $("#heat-period").textContent = `(${fmtCount(t.inbound)} in · ${fmtCount(t.outbound)} out · ${fmtCount(t.conversations)} new conversations)`;
  }

  // ---- snapshots -------------------------------------------------------
  const snap = { cursors: [], cursor: null, next: null }; // cursors: the pages before this one

  const isoDay = d => d.toISOString().slice(0, 10);
  const addDays = (s, n) => { const d = new Date(s + "T00:00:00Z"); d.setUTCDate(d.getUTCDate() + n); return isoDay(d); };
  const snapType = () => document.querySelector("input[name=type]:checked").value;

  // defaultRange sets the snapshot dates from the dashboard's last day
  // (today in the team's zone): up to yesterday, 3 pages back.
  function defaultRange(today) {
    const to = addDays(today, -1), type = snapType();
    let from;
    if (type === "Monthly") {
      const d = new Date(to + "T00:00:00Z");
      d.setUTCDate(1);
      d.setUTCMonth(d.getUTCMonth() - 11);
      from = isoDay(d);
    } else {
      from = addDays(to, -(type === "Weekly" ? 7 * 12 : 3 * PAGE) + 1);
    }
    $("#snap-from").value = from;
    $("#snap-to").value = to;
  }

  // nextOf returns the cursor of the next page, or null: the body's
  // nextCursor, or the cursor of the Link header's rel="next" URL; a
  // hasMore (or has_more) of false ends the walk whatever else is present.
  function nextOf(body, headers) {
    let cursor = body.nextCursor || body.next_cursor || null;
    const link = headers.get("Link") || "";
    const m = /<([^>]*)>\s*;[^,]*rel="?next"?/.exec(link);
    if (!cursor && m) cursor = new URL(m[1], location.href).searchParams.get("cursor");
    const more = body.has_more ?? body.hasMore;
    return more === false ? null : cursor;
  }

  // loadSnapshots shows the page at cursor (null: the first), preceded by
  // the pages at the cursors of before.
  async function loadSnapshots(cursor, before) {
    const params = { type: snapType(), to: $("#snap-to").value, limit: String(PAGE) };
    if (cursor) params.cursor = cursor; else params.from = $("#snap-from").value;
    const { body, headers } = await call("snapshots", params);
    snap.cursors = before;
    snap.cursor = cursor;
    snap.next = nextOf(body, headers);
    renderSnapshots(body);
  }

  function renderSnapshots(page) {
    const body = $("#snapshots tbody");
    body.replaceChildren();
    const cols = ["messages.total", "messages.inbound", "messages.outbound", "messages.deliveryRate",
      "messages.readRate", "messages.replyRate", "conversations.avgResponseTime"];
    for (const s of page.snapshots) {
      const tr = el("tr", { "data-id": s.id, "data-date": s.date });
      tr.append(el("th", { scope: "row" }, s.date));
      for (const c of cols) tr.append(el("td", { "data-path": c, "data-value": String(get(s.metrics, c)) }, nf.format(get(s.metrics, c))));
      body.append(tr);
    }
    if (!page.snapshots.length) {
      const tr = el("tr");
      tr.append(el("td", { colspan: "8" }, "No snapshots in these dates."));
      body.append(tr);
    }
    const n = snap.cursors.length + 1;
    $("#snap-caption").textContent = `${page.type} snapshots, ${page.from} to ${page.to}`;
    $("#page-info").textContent = `Page ${n}${snap.next ? "" : " (last)"}`;
    $("#prev").disabled = snap.cursors.length === 0;
    $("#next").disabled = !snap.next;
  }

  async function pageTo(dir) {
    clearError();
    try {
      if (dir > 0) await loadSnapshots(snap.next, [...snap.cursors, snap.cursor]);
      else await loadSnapshots(snap.cursors[snap.cursors.length - 1], snap.cursors.slice(0, -1));
    } catch (e) { showError(e); }
  }

  async function restartSnapshots() {
    clearError();
    try { await loadSnapshots(null, []); } catch (e) { showError(e); }
  }

  // ---- campaigns -------------------------------------------------------
  const CAMPAIGN_PAGE = 10;
  const CAMPAIGN_COLS = ["status", "recipients", "sent", "delivered", "read", "replied", "failed",
    "deliveryRate", "readRate", "replyRate", "score"];
  let campaignNext = null; // the after of the next page, or null

  // loadCampaigns shows the first page of the team's campaigns, or, with
  // more, appends the next one.
  async function loadCampaigns(more) {
    const params = { limit: String(CAMPAIGN_PAGE) };
    if (more && campaignNext) params.after = campaignNext;
    const { body } = await call("campaigns", params);
    const tbody = $("#campaigns tbody");
    if (!more) tbody.replaceChildren();
    for (const c of body.campaigns) {
      const tr = el("tr", { "data-id": c.campaignId });
      tr.append(el("th", { scope: "row" }, c.campaignId));
      for (const k of CAMPAIGN_COLS) {
        const v = c[k];
        tr.append(el("td", { "data-path": k, "data-value": String(v) }, typeof v === "number" ? nf.format(v) : v));
      }
      tbody.append(tr);
    }
    if (!more && !body.campaigns.length) {
      const tr = el("tr");
      tr.append(el("td", { colspan: "12" }, "No campaigns."));
      tbody.append(tr);
    }
    campaignNext = body.hasMore ? body.next : null;
    $("#camp-more").disabled = !campaignNext;
  }

  // ---- loading everything ---------------------------------------------
  let loads = 0; // the latest load wins when the user clicks again

  async function loadAll() {
    const mine = ++loads;
    clearError();
    status("Loading…");
    document.body.dataset.state = "loading";
    try {
      const days = $("#days").value;
      const [rt, dash, heat] = await Promise.all([call("realtime"), call("dashboard", { days }), call("heatmap", { days })]);
      if (mine !== loads) return;
      $("#data").hidden = false;
      renderTiles(rt.body);
      renderDashboard(dash.body);
      renderHeatmap(heat.body);
      defaultRange(dash.body.series[dash.body.series.length - 1].date);
      await loadSnapshots(null, []);
      if (mine !== loads) return;
      await loadCampaigns(false);
      if (mine !== loads) return;
      status(`Team “${rt.body.teamId}”, as of ${new Date(dash.body.asOf).toLocaleString("en")}.`);
      document.body.dataset.state = "loaded";
    } catch (e) {
      if (mine !== loads) return;
      $("#data").hidden = true; // never leave another team's numbers under this team's name
      shown = null;
      for (const t of ["#tiles", "#comparison tbody", "#snapshots tbody", "#heatmap tbody", "#campaigns tbody"]) $(t).replaceChildren();
      for (const e of document.querySelectorAll(".chart svg, .chart .legend, .chart details")) e.remove();
      status("");
      showError(e);
      document.body.dataset.state = "error";
    }
  }

  function init() {
    $("#signin").addEventListener("submit", ev => {
      ev.preventDefault();
      const team = $("#team").value.trim(), token = $("#token").value.trim();
      if (!team || !token) {
        showError(new ApiError(0, "Enter the team ID and paste its token."));
        (team ? $("#token") : $("#team")).focus();
        return;
      }
      store.setItem("team", team);
      store.setItem("token", token);
      loadAll();
    });
    $("#forget").addEventListener("click", () => {
      store.removeItem("token");
      store.removeItem("team");
      $("#token").value = "";
      $("#data").hidden = true;
      clearError();
      status("The token is forgotten.");
      $("#token").focus();
    });
    $("#snapform").addEventListener("submit", ev => { ev.preventDefault(); restartSnapshots(); });
    for (const r of document.querySelectorAll("input[name=type]")) {
      r.addEventListener("change", () => {
        const today = addDays($("#snap-to").value, 1);
        defaultRange(today);
        restartSnapshots();
      });
    }
    let width = window.innerWidth, pending = false;
    window.addEventListener("resize", () => {
      if (pending || window.innerWidth === width) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        width = window.innerWidth;
        if (shown && !$("#data").hidden) renderCharts(shown);
      });
    });
    $("#next").addEventListener("click", () => pageTo(1));
    $("#prev").addEventListener("click", () => pageTo(-1));
    $("#camp-more").addEventListener("click", async () => {
      clearError();
      try { await loadCampaigns(true); } catch (e) { showError(e); }
    });

    const team = store.getItem("team"), token = store.getItem("token");
    if (team && token) {
      $("#team").value = team;
      $("#token").value = token;
      loadAll();
    }
  }

  init();
})();
