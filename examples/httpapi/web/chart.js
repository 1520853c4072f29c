// Line charts drawn as SVG by hand: a y axis from 0 to a round maximum, a
// line per series, the first, middle and last dates on the x axis, a
// legend, and the numbers as a table under "Numbers" (for screen readers,
// keyboards and anyone who wants the exact values). Each line carries its
// values in data-values, in the order of the svg's data-dates.
"use strict";

const Chart = (() => {
  const SVG = "http://www.w3.org/2000/svg";
  const PAD = { left: 52, right: 12, top: 12, bottom: 28 };

  function el(ns, name, attrs, text) {
    const e = ns ? document.createElementNS(ns, name) : document.createElement(name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // niceMax returns a round number at least max: 1, 2, 2.5 or 5 times a
  // power of ten (1 when max is 0 or less).
  function niceMax(max) {
    if (!(max > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(max)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= max) return m * p;
    return 10 * p;
  }

  // line draws into fig (a <figure> holding its <figcaption>) the chart of
  // spec: {dates: ["YYYY-MM-DD", ...], format: v => text, series: [{key,
  // name, values}]}. It replaces what an earlier call drew. The drawing is
  // as wide as fig's content box in CSS pixels (at least 260), so its text
  // keeps its size: draw again when that width changes.
  function line(fig, spec) {
    const open = fig.querySelector("details[open]") !== null;
    for (const old of fig.querySelectorAll("svg, .legend, details")) old.remove();
    const { dates, series, format } = spec;
    const cs = getComputedStyle(fig);
    const W = Math.max(260, Math.round(fig.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight)));
    const H = Math.round(Math.min(260, Math.max(180, W * 0.55)));
    const max = niceMax(Math.max(0, ...series.flatMap(s => s.values)));
    const iw = W - PAD.left - PAD.right, ih = H - PAD.top - PAD.bottom;
    const x = i => PAD.left + (dates.length < 2 ? iw / 2 : (i * iw) / (dates.length - 1));
    const y = v => PAD.top + ih - (v / max) * ih;
    const caption = fig.querySelector("figcaption");
    if (!caption.id) caption.id = fig.id + "-caption";

    const svg = el(SVG, "svg", {
      viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": caption.id,
      "data-dates": dates.join(","), "data-max": String(max),
    });
    for (let k = 0; k <= 4; k++) {
      const v = (max * k) / 4, yy = y(v);
      svg.append(el(SVG, "line", { class: "grid", x1: PAD.left, x2: W - PAD.right, y1: yy, y2: yy }));
      svg.append(el(SVG, "text", { class: "tick", x: PAD.left - 6, y: yy + 4, "text-anchor": "end" }, format(v)));
    }
    const shown = new Set([0, Math.floor((dates.length - 1) / 2), dates.length - 1]);
    for (const i of shown) {
      if (i < 0) continue;
      const anchor = i === 0 && dates.length > 1 ? "start" : i === dates.length - 1 && dates.length > 1 ? "end" : "middle";
      svg.append(el(SVG, "text", { class: "tick", x: x(i), y: H - 8, "text-anchor": anchor }, dates[i].slice(5)));
    }
    series.forEach((s, n) => {
      const pts = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
      svg.append(el(SVG, "polyline", {
        class: `series s${n}`, points: pts, "data-key": s.key, "data-values": s.values.map(String).join(","),
      }));
      if (dates.length <= 31) {
        s.values.forEach((v, i) => svg.append(el(SVG, "circle", { class: `dot s${n}`, cx: x(i), cy: y(v), r: 3 })));
      }
    });
    fig.append(svg);

    const legend = el(null, "ul", { class: "legend" });
    series.forEach((s, n) => {
      const li = el(null, "li");
      li.append(el(null, "span", { class: `swatch s${n}`, "aria-hidden": "true" }), document.createTextNode(s.name));
      legend.append(li);
    });
    const det = numbers(spec);
    det.open = open;
    fig.append(legend, det);
  }

  // numbers returns the chart's values as a table inside <details>.
  function numbers({ dates, series, format }) {
    const det = el(null, "details");
    det.append(el(null, "summary", {}, "Numbers"));
    const wrap = el(null, "div", { class: "scroll" });
    const t = el(null, "table");
    const hr = el(null, "tr");
    hr.append(el(null, "th", { scope: "col" }, "Date"), ...series.map(s => el(null, "th", { scope: "col" }, s.name)));
    const head = el(null, "thead");
    head.append(hr);
    t.append(head);
    const body = el(null, "tbody");
    dates.forEach((d, i) => {
      const tr = el(null, "tr");
      tr.append(el(null, "th", { scope: "row" }, d), ...series.map(s => el(null, "td", {}, format(s.values[i]))));
      body.append(tr);
    });
    t.append(body);
    wrap.append(t);
    det.append(wrap);
    return det;
  }

  return { line, niceMax };
})();
