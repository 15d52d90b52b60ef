// milex dashboard: charts from Vega-Lite specs (container width), tabs, year slider, country
// picker, downloads, sortable tables and the scenario builder. No inline scripts (strict CSP);
// Vega runs with its CSP-safe expression interpreter.
"use strict";

// ---- a static copy (milex site build) ---------------------------------------------------------
// A page of a static copy carries <meta name="milex-site" content="ROOT">: its links are files,
// named as milex.web.site_links.site_name names them (/PATH?k=v -> PATH--k-v.EXT).
const SITE = document.querySelector('meta[name="milex-site"]');

const encodeValue = (v) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%/g, "~");

function siteName(path, query, kind) {
  let stem = path.replace(/^\/+|\/+$/g, "") || "index";
  if (stem.endsWith(`.${kind}`)) stem = stem.slice(0, -kind.length - 1);
  const pairs = Array.from(new URLSearchParams(query || "")).filter(([, v]) => v !== "");
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return `${stem}${pairs.map(([k, v]) => `--${encodeValue(k)}-${encodeValue(v)}`).join("")}.${kind}`;
}

// A URL of this server, or in a static copy the file that holds its answer.
function siteUrl(path, query, kind) {
  if (!SITE) return query ? `${path}?${query}` : path;
  return SITE.content + siteName(path, query, kind);
}

// The copy's list of its pages and precomputed projections (milex-site.json), read once.
let siteIndex = null;
function siteManifest() {
  if (!siteIndex) {
    siteIndex = fetch(`${SITE.content}milex-site.json`).then((r) => r.json()).catch(() => ({ pages: [], projections: [] }));
  }
  return siteIndex;
}

// In a static copy a new setting opens the page built for it: with every current setting if
// the copy holds that page, else with the changed one alone, else a note that it needs a server.
async function openStatic(path, changes, note) {
  const pages = new Set((await siteManifest()).pages);
  const current = new URLSearchParams(SITE.dataset.query || "");
  current.delete("tab");
  const alone = new URLSearchParams();
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === "") { current.delete(k); continue; }
    current.set(k, v);
    alone.set(k, v);
  }
  for (const query of [current.toString(), alone.toString()]) {
    if (pages.has(siteName(path, query, "html"))) { location.assign(siteUrl(path, query, "html")); return; }
  }
  if (note) {
    note.classList.add("error");
    note.textContent = "This static copy does not hold that view: it needs a live server (milex serve).";
  }
}

const embedOptions = (renderer) => ({
  renderer: renderer || "canvas",
  actions: false,
  defaultStyle: false,
  tooltip: { disableDefaultStyle: true },
  ast: true,
  expr: window.vega.expressionInterpreter,
});

// ---- fitting a publication spec (800 px) to the page's width ----------------------------------
function wrapWords(text, limit) {
  const lines = [];
  let line = "";
  for (const word of String(text).split(/\s+/)) {
    if (line && (line + " " + word).length > limit) { lines.push(line); line = word; }
    else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

// Rejoin the subtitle's notes (each ends a sentence) and wrap them to the width available.
function rewrap(lines, limit) {
  const notes = [];
  let current = "";
  for (const line of lines) {
    current = current ? `${current} ${line}` : line;
    if (/[.)]$/.test(line.trim())) { notes.push(current); current = ""; }
  }
  if (current) notes.push(current);
  return notes.flatMap((n) => wrapWords(n, limit));
}

// On a narrow chart the reference lines keep only their figure ("2%"), so labels never collide.
function shortLabels(datasets) {
  const short = {};
  for (const [name, rows] of Object.entries(datasets || {})) {
    short[name] = !isTable(rows) ? rows : rows.map((r) => (
      typeof r.label === "string" && /^\d+(\.\d+)?% (guideline|Hague target|on equipment)$/.test(r.label)
        ? { ...r, label: r.label.split(" ")[0] } : r));
  }
  return short;
}

// A long x-axis title wraps over lines on a narrow chart instead of running off both sides;
// returns how many lines were added.
function wrapAxisTitles(node, limit, labelLimit) {
  let added = 0;
  const walk = (item) => {
    if (Array.isArray(item)) { item.forEach(walk); return; }
    if (!item || typeof item !== "object") return;
    // a legend laid out for 800 px gets one column and labels no wider than the chart, or they
    // run off the right
    for (const [channel, def] of Object.entries(item.encoding || {})) {
      if (def && def.legend && typeof def.legend === "object") {
        const legend = { ...def.legend, columns: 1, labelLimit: Math.min(def.legend.labelLimit || 1e9, labelLimit) };
        item.encoding = { ...item.encoding, [channel]: { ...def, legend } };
      }
    }
    const encoding = item.encoding;
    if (encoding && encoding.x && typeof encoding.x.title === "string" && encoding.x.title.length > limit) {
      const lines = wrapWords(encoding.x.title, limit);
      added = Math.max(added, lines.length - 1);
      item.encoding = { ...encoding, x: { ...encoding.x, title: lines } };
    }
    for (const key of ["layer", "hconcat", "vconcat", "concat"]) {
      if (Array.isArray(item[key])) { item[key] = item[key].map((child) => ({ ...child })); walk(item[key]); }
    }
  };
  walk(node);
  return added;
}

function fitSpec(spec, width) {
  const fitted = { ...spec };
  if (width < 600 && fitted.datasets) fitted.datasets = shortLabels(fitted.datasets);
  if (!fitted.hconcat && !fitted.vconcat && !fitted.concat && !fitted.facet) {
    fitted.width = "container";
  }
  if (fitted.title && typeof fitted.title === "object") {
    const title = { ...fitted.title };
    const text = Array.isArray(title.text) ? title.text.join(" ") : String(title.text || "");
    title.text = wrapWords(text, Math.max(24, Math.floor((width - 30) / 11)));
    if (Array.isArray(title.subtitle)) {
      const before = title.subtitle.length + 1;
      title.subtitle = rewrap(title.subtitle, Math.max(30, Math.floor((width - 30) / 6.9)));
      // autosize "fit" counts the title in the height: grow it by the extra lines, so the plot
      // keeps its height on a narrow screen.
      const extra = title.subtitle.length + title.text.length - before;
      if (typeof fitted.height === "number" && extra > 0) fitted.height += extra * 15 + (width < 600 ? 60 : 0);
    }
    // on a phone the title starts at the chart's left edge: centred over the plot, a line wider
    // than the plot would run off the left of the canvas
    if (width < 600) { title.fontSize = 15; title.subtitleFontSize = 11; title.anchor = "start"; title.frame = "bounds"; }
    fitted.title = title;
  }
  const axisLines = width < 600 ? wrapAxisTitles(fitted, Math.max(24, Math.floor((width - 110) / 6.6)), width - 60) : 0;
  if (typeof fitted.height === "number" && axisLines > 0) fitted.height += axisLines * 14;
  // The footer (notes and sources under the plot) rewraps to the width; the plot keeps its height.
  if (Array.isArray(fitted.layer)) {
    fitted.layer = fitted.layer.map((layer) => {
      if (layer.name !== "footer" || !Array.isArray(layer.mark?.text)) return layer;
      const small = width < 600;
      // the footer starts at the plot's left edge, after the y axis's labels (up to ~120 px)
      const text = rewrap(layer.mark.text, Math.max(30, Math.floor((width - (small ? 135 : 90)) / (small ? 5.6 : 6.1))));
      const extra = text.length - layer.mark.text.length;
      if (typeof fitted.height === "number" && extra > 0) fitted.height += extra * 14;
      const y = layer.encoding?.y?.value?.expr;
      const gap = typeof y === "string" && /^height \+ \d+$/.test(y) ? Number(y.split("+")[1]) : null;
      const encoding = axisLines && gap !== null  // below a wrapped axis title, by its extra lines
        ? { ...layer.encoding, y: { value: { expr: `height + ${gap + axisLines * 14}` } } } : layer.encoding;
      return { ...layer, encoding, mark: { ...layer.mark, text, ...(small ? { fontSize: 10 } : {}) } };
    });
  }
  // A map keeps its shapes' proportions: its plot is as tall as its frame's aspect says (Europe
  // about 0.8 of its width, the world about half), whatever the title, legend and footer take.
  const layers = fitted.layer || [fitted];
  if (layers.some((l) => (l.mark && (l.mark.type || l.mark)) === "geoshape") && fitted.title) {
    const map = mapMeta(spec);
    const lines = (fitted.title.subtitle || []).length + fitted.title.text.length;
    const footer = layers.filter((l) => l.name === "footer").reduce((n, l) => n + l.mark.text.length, 0);
    let legend = 0;
    if (map) {  // the legend's entries in rows of 2 on a phone, 4 on a wider screen
      const columns = width < 600 ? 2 : 4;
      fitted.layer = layers.map((l) => {
        const colour = l.encoding && l.encoding.color;
        if (!colour || !colour.legend) return l;
        legend = Math.ceil(((colour.scale && colour.scale.domain) || []).length / columns) * 20 + 24;
        const small = width < 600 ? { labelFontSize: 11, labelLimit: Math.floor((width - 60) / 2) - 24, titleLimit: width - 50 } : {};
        return { ...l, encoding: { ...l.encoding, color: { ...colour, legend: { ...colour.legend, columns, ...small } } } };
      });
    }
    const aspect = map ? map.aspect : 0.5;
    const slack = map ? 40 : (width < 600 ? 110 : 70);  // a map counts its legend above
    fitted.height = Math.round(lines * 16 + footer * 14 + legend + slack + (width - 40) * aspect);
  }
  if (width < 600) {
    fitted.config = { ...(fitted.config || {}), legend: { ...((fitted.config || {}).legend || {}), orient: "top", columns: width < 480 ? 1 : 2, labelFontSize: 11, labelLimit: width - 60 } };
  }
  return fitted;
}

const mapMeta = (spec) => (spec.usermeta && spec.usermeta.milex && spec.usermeta.milex.map) || null;

// A map says a country's figure where it is tapped, clicked or (its shape focused by keyboard)
// focused, in a live line under the map: the tooltip alone needs a mouse.
function mapReadout(figure, view) {
  const box = figure.querySelector(".chart-view") || figure;
  let out = figure.querySelector(".map-readout");
  if (!out) {
    out = document.createElement("p");
    out.className = "map-readout";
    out.setAttribute("role", "status");
    out.setAttribute("aria-live", "polite");
    box.after(out);
  }
  out.textContent = "Tap, click or focus a country for its figure.";
  const words = (d) => `${d.country}: ${d.figure}` + (d.flags && d.flags !== "none" ? ` (${d.flags})` : "");
  const say = (d) => { if (d && d.country) out.textContent = words(d); };
  view.addEventListener("click", (event, item) => say(item && item.datum));
  // each shape of a covered country takes the keyboard's focus and says its figure
  const items = [];
  const walk = (node) => {
    if (!node) return;
    if (node.marktype === "shape" && Array.isArray(node.items)) node.items.forEach((i) => items.push(i));
    (node.items || []).forEach((child) => { if (child && child.items) walk(child); });
  };
  walk(view.scenegraph().root);
  const svg = box.querySelector("svg");
  if (!svg) return;
  const paths = Array.from(svg.querySelectorAll(".mark-shape path"));
  paths.forEach((path, i) => {
    const d = items[i] && items[i].datum;
    if (!d || !d.iso3 || !d.figure || /^not /.test(d.class || "")) return;
    path.setAttribute("tabindex", "0");
    path.setAttribute("aria-label", words(d));
    path.addEventListener("focus", () => say(d));
  });
}

// The figure's table (/chart/NAME/table: human headers, formatted numbers), the one the
// Table tab and the CSV download show, under the chart for screen readers and copying.
async function fillNumbers(figure) {
  const table = figure.querySelector("table.plotted");
  if (!table) return;
  const url = siteUrl(`/chart/${figure.dataset.chart}/table`, figure.dataset.params, "json");
  figure.dataset.numbers = url;
  const response = await fetch(url);
  if (!response.ok || figure.dataset.numbers !== url) return;
  const data = await response.json();
  table.replaceChildren();
  table.createCaption().textContent = data.title;
  const head = table.createTHead().insertRow();
  data.columns.forEach((c) => {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = c.header;
    if (c.numeric) th.className = "num";
    head.appendChild(th);
  });
  const body = table.createTBody();
  data.cells.forEach((row) => {
    const tr = body.insertRow();
    row.forEach((v, i) => {
      const cell = document.createElement(i === 0 ? "th" : "td");
      if (i === 0) cell.scope = "row";
      cell.textContent = v;
      if (data.columns[i].numeric) cell.className = "num";
      tr.appendChild(cell);
    });
  });
}

const isTable = (v) => Array.isArray(v) && v.length > 0 && v.every((r) => r && typeof r === "object" && !Array.isArray(r));

function titleText(spec) {
  const t = spec.title;
  if (!t) return "";
  if (typeof t === "string") return t;
  return Array.isArray(t.text) ? t.text.join(" ") : String(t.text || "");
}

// ---- drawing ----------------------------------------------------------------------------------
async function embed(element, spec, renderer) {
  const view = element.querySelector(".chart-view") || element;
  view.querySelectorAll(".vega-embed, .chart-error").forEach((node) => node.remove());
  const target = document.createElement("div");
  view.insertBefore(target, view.firstChild);
  const width = Math.max(280, view.clientWidth || element.clientWidth || 800);
  const result = await window.vegaEmbed(target, fitSpec(spec, width), embedOptions(renderer));
  const title = titleText(spec);
  if (title && view !== element) view.setAttribute("aria-label", `${title}. The numbers are in the table below the chart.`);
  element.vegaView = result.view;
  if (mapMeta(spec)) mapReadout(element, result.view);
  element.dataset.rendered = "true";
  element.dataset.version = String(Number(element.dataset.version || 0) + 1);
  return result;
}

function showChartError(element, message) {
  const view = element.querySelector(".chart-view") || element;
  view.querySelectorAll(".vega-embed, .chart-error").forEach((node) => node.remove());
  const p = document.createElement("p");
  p.className = "chart-error status-line error";
  p.textContent = message;
  view.insertBefore(p, view.firstChild);
  element.dataset.rendered = "error";
}

function chartUrl(figure, fmt) {
  const params = figure.dataset.params;
  if (fmt === "embed") return siteUrl(`/embed/${figure.dataset.chart}`, params, "html");
  return siteUrl(`/chart/${figure.dataset.chart}.${fmt}`, params, fmt);
}

function updateLinks(figure) {
  figure.querySelectorAll("a[data-fmt]").forEach((a) => { a.href = chartUrl(figure, a.dataset.fmt); });
}

async function drawFigure(figure) {
  updateLinks(figure);
  const url = chartUrl(figure, "json");
  figure.dataset.drawn = url;
  try {
    const response = await fetch(url);
    const body = await response.json();
    if (!response.ok) throw new Error(body.detail || `chart unavailable (${response.status})`);
    if (figure.dataset.drawn !== url) return; // a newer setting came in meanwhile
    await embed(figure, body, figure.dataset.renderer);
    fillNumbers(figure).catch(() => {});
    tellHeight();
  } catch (error) {
    showChartError(figure, String(error.message || error));
  }
}

// In an embed, tell the host page how tall the content is (the embed code listens and sizes the
// frame), so the chart, the allies under 2% and the source line are never cut off.
function tellHeight() {
  if (!document.body.classList.contains("embed") || window.parent === window) return;
  const body = document.body;
  const height = Math.ceil(body.getBoundingClientRect().bottom + parseFloat(getComputedStyle(body).marginBottom || "0"));
  window.parent.postMessage({ type: "milex:height", height, href: location.href }, "*");
}

// Draw every visible chart whose settings changed; hidden ones wait until their tab is shown
// (a hidden container has no width to fit).
function drawVisible() {
  for (const figure of document.querySelectorAll("figure.chart[data-chart]")) {
    if (figure.closest("[hidden]")) { updateLinks(figure); continue; }
    if (figure.dataset.drawn !== chartUrl(figure, "json")) drawFigure(figure);
  }
}

let lastWidth = window.innerWidth;
function redrawOnResize() {
  let timer = null;
  window.addEventListener("resize", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (Math.abs(window.innerWidth - lastWidth) < 40) return;
      lastWidth = window.innerWidth;
      document.querySelectorAll("figure.chart[data-chart]").forEach((f) => { delete f.dataset.drawn; });
      drawVisible();
    }, 250);
  });
}

// ---- settings in the address bar --------------------------------------------------------------
function setParam(name, value) {
  const url = new URL(location.href);
  if (value === null || value === "") url.searchParams.delete(name);
  else url.searchParams.set(name, value);
  history.replaceState(null, "", url);
}

function figureParams(figure, changes) {
  const params = new URLSearchParams(figure.dataset.params || "");
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === "") params.delete(k);
    else params.set(k, v);
  }
  figure.dataset.params = params.toString();
}

// ---- tabs -------------------------------------------------------------------------------------
function initTabs() {
  const list = document.querySelector("[role=tablist]");
  if (!list) return;
  const tabs = Array.from(list.querySelectorAll("[role=tab]"));
  const select = (tab, focus) => {
    tabs.forEach((t) => {
      const on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
    });
    if (focus) tab.focus();
    const name = tab.id.replace(/^tab-/, "");
    setParam("tab", name);
    const field = document.getElementById("tab-field");
    if (field) field.value = name;
    drawVisible();
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => select(tab, false));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (step) { event.preventDefault(); select(tabs[(i + step + tabs.length) % tabs.length], true); }
      if (event.key === "Home") { event.preventDefault(); select(tabs[0], true); }
      if (event.key === "End") { event.preventDefault(); select(tabs[tabs.length - 1], true); }
    });
  });
}

// ---- a view's year slider and country picker --------------------------------------------------
// The parts of a page that depend on its settings, replaced from the server's fresh copy.
const LIVE_PARTS = ["year-facts", "tracker-table-wrap", "tracker-notes", "heading-year", "view-table-wrap", "view-table-downloads", "view-heading"];

async function refreshParts() {
  const response = await fetch(location.pathname + location.search, { headers: { accept: "text/html" } });
  if (!response.ok) return;
  const doc = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const id of LIVE_PARTS) {
    const fresh = doc.getElementById(id);
    const old = document.getElementById(id);
    if (fresh && old) old.replaceWith(fresh);
  }
  initSortable();
  document.title = doc.title;
}

function initYearSlider() {
  const slider = document.getElementById("year");
  if (!slider || slider.type !== "range") return;
  const out = document.getElementById("year-out");
  let timer = null;
  slider.addEventListener("input", () => {
    out.textContent = slider.value;
    clearTimeout(timer);
    timer = setTimeout(() => {
      const year = slider.value;
      if (SITE) { openStatic(SITE.dataset.path, { year }, statusNote(slider)); return; }
      setParam("year", year);
      document.querySelectorAll("figure.chart[data-chart]").forEach((f) => figureParams(f, { year }));
      for (const [id, suffix] of [["twin-json", ""], ["twin-csv", "&format=csv"]]) {
        const a = document.getElementById(id);
        if (a) a.href = `/api/v1/tracker?year=${year}${suffix}`;
      }
      drawVisible();
      refreshParts();
    }, 200);
  });
}

function pickedCode(input) {
  const list = document.getElementById(input.getAttribute("list"));
  const wanted = input.value.trim().toLowerCase();
  if (!wanted) return "";
  for (const option of list.options) {
    if (option.value.toLowerCase() === wanted || option.dataset.code.toLowerCase() === wanted) return option.dataset.code;
  }
  return null;
}

function initPickers() {
  for (const input of document.querySelectorAll("input[list][name=country]")) {
    const live = input.form?.dataset.live === "true";
    input.addEventListener("change", () => {
      const code = pickedCode(input);
      input.setCustomValidity(code === null ? "Pick a country from the list" : "");
      input.reportValidity();
      if (code === null) return;
      if (!live) { if (code) location.assign(siteUrl(`/country/${code}`, "", "html")); return; }
      if (SITE) { openStatic(SITE.dataset.path, { country: code }, statusNote(input)); return; }
      setParam("country", code);
      document.querySelectorAll("figure.chart[data-chart]").forEach((f) => figureParams(f, { country: code }));
      document.querySelectorAll("#tracker-table tbody tr").forEach((tr) => tr.classList.toggle("highlight", tr.dataset.iso3 === code));
      drawVisible();
      if (!document.getElementById("tracker-table")) refreshParts();
    });
    input.form?.addEventListener("submit", (event) => { event.preventDefault(); input.dispatchEvent(new Event("change")); });
  }
}

// Where a static copy says a setting needs a server: a line after the setting's form.
function statusNote(field) {
  const form = field.form || field.closest("form");
  let note = form && form.nextElementSibling;
  if (!note || !note.classList.contains("site-note")) {
    note = document.createElement("p");
    note.className = "site-note status-line";
    note.setAttribute("role", "status");
    if (form) form.after(note);
  }
  return note;
}

// ---- sortable tables --------------------------------------------------------------------------
function sortTable(table, index, type, header) {
  const body = table.tBodies[0];
  const ascending = header.getAttribute("aria-sort") !== "ascending";
  table.querySelectorAll("th").forEach((th) => th.removeAttribute("aria-sort"));
  header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  const key = (row) => {
    const text = row.cells[index].textContent.trim();
    if (type !== "number") return text.toLowerCase();
    const value = parseFloat(text.replace(/,/g, ""));
    return Number.isNaN(value) ? null : value;
  };
  const rows = Array.from(body.rows);
  rows.sort((a, b) => {
    const x = key(a), y = key(b);
    if (x === y) return 0;
    if (x === null) return 1;
    if (y === null) return -1;
    return (x < y ? -1 : 1) * (ascending ? 1 : -1);
  });
  rows.forEach((row) => body.appendChild(row));
}

function initSortable() {
  for (const table of document.querySelectorAll("table.sortable")) {
    if (table.dataset.sortable) continue;
    table.dataset.sortable = "true";
    table.querySelectorAll("thead th").forEach((th, index) => {
      th.tabIndex = 0;
      const go = () => sortTable(table, index, th.dataset.type || "text", th);
      th.addEventListener("click", go);
      th.addEventListener("keydown", (event) => { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); go(); } });
    });
  }
}

// The embed code names this server, so it can be pasted into any page as it is.
function initEmbedCode() {
  const code = document.getElementById("embed-code");
  if (!code) return;
  if (SITE) code.textContent = code.textContent.replace(/src="([^"]+)"/, (_, src) => `src="${new URL(src, location.href).href}"`);
  else code.textContent = code.textContent.replace('src="/embed/', `src="${location.origin}/embed/`);
}

// "Copy a link": the view's own URL with its settings, to the clipboard, said aloud when done.
function initCopyLinks() {
  document.querySelectorAll("button.copy-link").forEach((button) => {
    const status = button.parentElement.querySelector(".copy-status");
    button.addEventListener("click", async () => {
      const url = button.dataset.copy ? new URL(button.dataset.copy, location.href).href : location.href;
      try {
        await navigator.clipboard.writeText(url);
        if (status) status.textContent = "Link copied.";
      } catch (error) {
        if (status) status.textContent = `Copy this link: ${url}`;
      }
    });
  });
}

function initAutosubmit() {
  document.querySelectorAll("select.autosubmit").forEach((select) => {
    select.addEventListener("change", () => {
      const action = select.form.dataset.siteAction;
      if (SITE && action) openStatic(action, { [select.name]: select.value }, statusNote(select));
      else select.form.submit();
    });
  });
}

// A figure as text, never "-0": a small negative that rounds to zero shows as 0 (as
// milex.present.numbers.figure does for the CLI and the PDF).
const number = (v, digits = 0, fixed = false) => {
  if (typeof v !== "number" || !Number.isFinite(v)) return "";
  const text = v.toLocaleString("en-GB", { maximumFractionDigits: digits, minimumFractionDigits: fixed ? digits : 0 });
  return /^-[0.,]*$/.test(text) ? text.slice(1) : text;
};

document.addEventListener("DOMContentLoaded", () => {
  initSortable();
  initAutosubmit();
  initEmbedCode();
  initCopyLinks();
  if (document.body.classList.contains("embed")) {
    new ResizeObserver(tellHeight).observe(document.body);
  }
  initTabs();
  initYearSlider();
  initPickers();
  drawVisible();
  redrawOnResize();
  if (window.milexScenario) window.milexScenario({ embed, number, site: SITE ? { siteUrl, siteName, manifest: siteManifest } : null });
});
