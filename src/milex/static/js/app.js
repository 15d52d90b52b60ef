// milex dashboard: sortable tables, charts from Vega-Lite specs, and the scenario builder.
// No inline scripts (strict CSP); Vega runs with its CSP-safe expression interpreter.
"use strict";

const EMBED_OPTIONS = () => ({
  renderer: "canvas",
  actions: false,
  defaultStyle: false,
  tooltip: { disableDefaultStyle: true },
  ast: true,
  expr: window.vega.expressionInterpreter,
});

async function embed(element, spec) {
  element.querySelectorAll(".vega-embed, .chart-error").forEach((node) => node.remove());
  const target = document.createElement("div");
  element.insertBefore(target, element.firstChild);
  await window.vegaEmbed(target, spec, EMBED_OPTIONS());
  element.dataset.rendered = "true";
  element.dataset.version = String(Number(element.dataset.version || 0) + 1);
}

function showChartError(element, message) {
  const p = document.createElement("p");
  p.className = "chart-error status-line error";
  p.textContent = message;
  element.insertBefore(p, element.firstChild);
}

async function loadCharts() {
  for (const figure of document.querySelectorAll("figure.chart[data-spec]")) {
    try {
      const response = await fetch(figure.dataset.spec);
      if (!response.ok) throw new Error(`chart unavailable (${response.status})`);
      await embed(figure, await response.json());
    } catch (error) {
      showChartError(figure, String(error.message || error));
    }
  }
}

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
    table.querySelectorAll("thead th").forEach((th, index) => {
      th.tabIndex = 0;
      const go = () => sortTable(table, index, th.dataset.type || "text", th);
      th.addEventListener("click", go);
      th.addEventListener("keydown", (event) => { if (event.key === "Enter") go(); });
    });
  }
}

function initAutosubmit() {
  document.querySelectorAll("select.autosubmit").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
}

// ---- scenario builder ------------------------------------------------------------------------
const FIELDS = ["countries", "target", "deadline", "path", "currency", "growth_sd", "inflation_sd", "paths", "seed"];

function readForm(form) {
  const data = {};
  for (const name of FIELDS) data[name] = form.elements[name].value;
  return data;
}

// The form's settings as a projection scenario (the same schema as TOML scenario files).
function scenarioBody(s) {
  const bloc = s.countries === "NATO" || s.countries === "NATO_EU_CA";
  return {
    title: "Scenario builder",
    ...(bloc ? { bloc: s.countries } : { countries: [s.countries] }),
    currency: s.currency,
    targets: [{ name: "core", target_pct: Number(s.target), deadline: Number(s.deadline), path: s.path }],
    uncertainty: {
      growth_sd_pct: Number(s.growth_sd),
      inflation_sd_pct: Number(s.inflation_sd),
      paths: Number(s.paths),
      seed: Number(s.seed),
    },
  };
}

let pending = null;
let csvUrl = null;

async function runScenario(form) {
  const status = document.getElementById("scenario-status");
  const settings = readForm(form);
  const params = new URLSearchParams(settings);
  history.replaceState(null, "", `${location.pathname}?${params}`);
  const body = JSON.stringify(scenarioBody(settings));
  const ticket = Symbol("run");
  pending = ticket;
  status.className = "status-line";
  status.textContent = "Computing…";
  try {
    const response = await fetch("/api/v1/projections?chart=true", {
      method: "POST", headers: { "content-type": "application/json" }, body,
    });
    const payload = await response.json();
    if (pending !== ticket) return;
    if (!response.ok) throw new Error(payload.detail || `error ${response.status}`);
    await embed(document.getElementById("fan-chart"), payload.chart);
    renderSummary(payload.summary || []);
    status.textContent = `${settings.paths} paths, seed ${settings.seed}.`;
    const notes = document.getElementById("scenario-notes");
    notes.replaceChildren(...(payload.notes || []).map((n) => {
      const li = document.createElement("li");
      li.textContent = n;
      return li;
    }));
    const csv = await fetch("/api/v1/projections?format=csv", {
      method: "POST", headers: { "content-type": "application/json" }, body,
    });
    if (csvUrl) URL.revokeObjectURL(csvUrl);
    csvUrl = URL.createObjectURL(await csv.blob());
    document.getElementById("csv-download").href = csvUrl;
  } catch (error) {
    if (pending !== ticket) return;
    status.className = "status-line error";
    status.textContent = String(error.message || error);
  }
}

const number = (v, digits = 0) =>
  typeof v === "number" ? v.toLocaleString("en-GB", { maximumFractionDigits: digits }) : "";

// The summary's key columns, in words; the CSV link carries every column.
const SUMMARY_COLUMNS = [
  ["Country or bloc", (r) => r.name],
  ["Currency", (r) => r.currency],
  ["% of GDP: base → horizon", (r) => `${number(r.base_share_pct, 2)} → ${number(r.horizon_share_pct, 2)}`],
  ["Spending at horizon (m)", (r) => number(r.horizon_spending_m)],
  ["Extra spending to horizon (m, median)", (r) => number(r.extra_to_horizon_p50_m)],
  ["90% range (m)", (r) => `${number(r.extra_to_horizon_p5_m)} – ${number(r.extra_to_horizon_p95_m)}`],
  ["Peak annual rise (m)", (r) => `${number(r.peak_increase_m)} in ${r.peak_increase_year ?? ""}`],
];

function renderSummary(rows) {
  const table = document.getElementById("scenario-summary");
  table.replaceChildren();
  if (!rows.length) return;
  const head = table.createTHead().insertRow();
  SUMMARY_COLUMNS.forEach(([title]) => {
    const th = document.createElement("th");
    th.textContent = title;
    head.appendChild(th);
  });
  const body = table.createTBody();
  rows.forEach((row) => {
    const tr = body.insertRow();
    SUMMARY_COLUMNS.forEach(([title, cell], index) => {
      const td = tr.insertCell();
      td.textContent = cell(row);
      if (index > 1) td.className = "num";
    });
  });
}

function initScenario() {
  const form = document.getElementById("scenario-form");
  if (!form) return;
  const params = new URLSearchParams(location.search);
  for (const name of FIELDS) if (params.has(name)) form.elements[name].value = params.get(name);
  let timer = null;
  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => runScenario(form), 250); });
  form.addEventListener("submit", (event) => { event.preventDefault(); runScenario(form); });
  runScenario(form);
}

document.addEventListener("DOMContentLoaded", () => {
  initSortable();
  initAutosubmit();
  loadCharts();
  initScenario();
});
