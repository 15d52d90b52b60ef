// Scenario builder: the target path beside a baseline (allies keep their share), the extra
// spending between them per year and in total, inline validation, and presets.
"use strict";

// In a static copy (milex site build, ``site`` given) the presets' projections are files named by
// their settings; any other setting needs a live server, and the page says so.
window.milexScenario = ({ embed, number, site }) => {
  const form = document.getElementById("scenario-form");
  if (!form) return;
  const FIELDS = ["countries", "target", "deadline", "path", "currency", "growth_sd", "inflation_sd", "paths", "seed"];
  const status = document.getElementById("scenario-status");
  const results = document.getElementById("scenario-results");
  const staleNote = document.getElementById("stale-note");
  let pending = null;
  let csvUrl = null;
  let shown = false;  // results of an earlier input are on the page

  // While the input is invalid or a request is in flight, the figures on the page belong to the
  // previous input: dimmed, marked busy for screen readers, and said so in words.
  function setStale(stale) {
    results.classList.toggle("stale", stale);
    results.setAttribute("aria-busy", String(stale));
    staleNote.hidden = !(stale && shown);
  }

  const readForm = () => Object.fromEntries(FIELDS.map((n) => [n, form.elements[n].value.trim()]));
  const NUMBERS = ["target", "deadline", "growth_sd", "inflation_sd", "paths", "seed"];

  // The projection for these settings: from the server, or in a static copy from its file (null
  // where the copy holds none). Returns the payload and the URL of its CSV.
  async function answer(settings, body) {
    if (site) {
      const key = new URLSearchParams(Object.entries(settings).map(([k, v]) => [k, NUMBERS.includes(k) ? String(Number(v)) : v])).toString();
      if (!(await site.manifest()).projections.includes(site.siteName("/api/v1/projections", key, "json"))) return null;
      const response = await fetch(site.siteUrl("/api/v1/projections", key, "json"));
      if (!response.ok) throw new Error(`error ${response.status}`);
      return { payload: await response.json(), csv: site.siteUrl("/api/v1/projections", key, "csv") };
    }
    const response = await fetch("/api/v1/projections?chart=true", {
      method: "POST", headers: { "content-type": "application/json" }, body,
    });
    const payload = await response.json();
    if (!response.ok) throw new Error(payload.detail || `error ${response.status}`);
    const csv = await fetch("/api/v1/projections?format=csv", {
      method: "POST", headers: { "content-type": "application/json" }, body,
    });
    if (csvUrl) URL.revokeObjectURL(csvUrl);
    csvUrl = URL.createObjectURL(await csv.blob());
    return { payload, csv: csvUrl };
  }

  // Each field's own message, shown beside it; an empty or out-of-range number is an error, not 0.
  function validate() {
    let ok = true;
    for (const name of FIELDS) {
      const field = form.elements[name];
      const message = document.getElementById(`${name}-error`);
      let text = "";
      if (field.type === "number") {
        const min = field.min === "" ? null : Number(field.min);
        const max = field.max === "" ? null : Number(field.max);
        const range = min !== null && max !== null ? ` between ${min} and ${max}` : min !== null ? ` of at least ${min}` : "";
        if (field.value.trim() === "") text = `Enter a number${range}.`;
        else if (!Number.isFinite(Number(field.value))) text = `“${field.value}” is not a number.`;
        else if ((min !== null && Number(field.value) < min) || (max !== null && Number(field.value) > max)) text = `Must be${range}; got ${field.value}.`;
        else if (field.step === "1" && !Number.isInteger(Number(field.value))) text = "Must be a whole number.";
      }
      field.setAttribute("aria-invalid", text ? "true" : "false");
      if (message) message.textContent = text;
      if (text) ok = false;
    }
    return ok;
  }

  function scenarioBody(s) {
    const bloc = s.countries === "NATO" || s.countries === "NATO_EU_CA";
    return {
      title: "Scenario builder",
      ...(bloc ? { bloc: s.countries } : { countries: [s.countries] }),
      currency: s.currency,
      // national_plans: each ally on its announced plan, the straight line where it has none
      targets: [{
        name: "core", target_pct: Number(s.target), deadline: Number(s.deadline),
        path: s.path === "national_plans" ? { shape: "national_plans", default: "linear" } : s.path,
      }],
      uncertainty: {
        growth_sd_pct: Number(s.growth_sd),
        inflation_sd_pct: Number(s.inflation_sd),
        paths: Number(s.paths),
        seed: Number(s.seed),
      },
    };
  }

  async function run() {
    const settings = readForm();
    history.replaceState(null, "", `${location.pathname}?${new URLSearchParams(settings)}`);
    if (!validate()) {
      pending = null;  // an answer still on its way is for an input that is no longer there
      setStale(true);
      status.className = "status-line error";
      status.textContent = "Fix the fields marked above to run the scenario.";
      return;
    }
    const body = JSON.stringify(scenarioBody(settings));
    const ticket = Symbol("run");
    pending = ticket;
    status.className = "status-line";
    status.textContent = "Computing…";
    setStale(true);
    try {
      const found = await answer(settings, body);
      if (pending !== ticket) return;
      if (!found) {  // nothing stale stays on show beside settings it does not answer
        document.querySelector("#fan-chart .chart-view").replaceChildren();
        for (const id of ["scenario-summary", "scenario-baseline", "scenario-notes"]) document.getElementById(id).replaceChildren();
        document.getElementById("baseline-total").textContent = "";
        document.getElementById("csv-download").removeAttribute("href");
        status.className = "status-line error";
        status.textContent = "This static copy holds only the presets' projections (the buttons above): other settings need a live server (milex serve).";
        return;
      }
      const { payload, csv } = found;
      await embed(document.getElementById("fan-chart"), payload.chart);
      renderSummary(payload.summary || [], payload.summary_order || "");
      renderBaseline(payload.data || [], settings.currency, settings.countries);
      shown = true;
      setStale(false);
      status.textContent = `${settings.paths} paths, seed ${settings.seed}.`;
      document.getElementById("scenario-notes").replaceChildren(...(payload.notes || []).map((n) => {
        const li = document.createElement("li");
        li.textContent = n;
        return li;
      }));
      document.getElementById("csv-download").href = csv;
    } catch (error) {
      if (pending !== ticket) return;
      status.className = "status-line error";
      status.textContent = String(error.message || error);
    }
  }

  // The figure the rows are ranked by comes first, so a phone shows it beside the name.
  const SUMMARY_COLUMNS = [
    ["Country or bloc", (r) => r.name],
    ["Extra spending to horizon (m)", (r) => number(r.extra_to_horizon_m)],
    ["90% range (m)", (r) => `${number(r.extra_to_horizon_p5_m)} – ${number(r.extra_to_horizon_p95_m)}`],
    ["% of GDP: base → horizon", (r) => `${number(r.base_share_pct, 2, true)} → ${number(r.horizon_share_pct, 2, true)}`],
    ["Spending at horizon (m)", (r) => number(r.horizon_spending_m)],
    ["Peak annual rise (m)", (r) => `${number(r.peak_increase_m)} in ${r.peak_increase_year ?? ""}`],
    ["Currency", (r) => r.currency],
  ];

  function table(id, titles, rows, numericFrom) {
    const el = document.getElementById(id);
    el.replaceChildren();
    if (!rows.length) return;
    const head = el.createTHead().insertRow();
    titles.forEach((t) => { const th = document.createElement("th"); th.scope = "col"; th.textContent = t; head.appendChild(th); });
    const body = el.createTBody();
    rows.forEach((cells) => {
      const tr = body.insertRow();
      cells.forEach((c, i) => { const td = tr.insertCell(); td.textContent = c; if (i >= numericFrom) td.className = "num"; });
    });
  }

  function renderSummary(rows, order) {
    document.getElementById("summary-order").textContent = rows.length ? `Order: ${order}` : "";
    table("scenario-summary", SUMMARY_COLUMNS.map(([t]) => t), rows.map((r) => SUMMARY_COLUMNS.map(([, f]) => f(r))), 1);
  }

  // Per year for the first country or bloc: the baseline (its base-year share kept), the target
  // path and the extra spending between them, with the running total: the central path (no
  // shocks), the figures `milex project` and the PDF report print for the same scenario.
  function renderBaseline(data, currency, chosen) {
    const first = data.some((r) => r.iso3 === chosen) ? chosen : data.length ? data[0].iso3 : null;
    const pick = (measure) => new Map(data.filter((r) => r.iso3 === first && r.measure === measure).map((r) => [r.year, r]));
    const spending = pick("spending"), extra = pick("extra"), cum = pick("cum_extra");
    const rows = [], raw = [];
    for (const [year, s] of spending) {
      const e = extra.get(year);
      const c = cum.get(year);
      const add = e ? e.central : 0;
      rows.push([String(year), number(s.central - add), number(s.central), number(add), c ? number(c.central) : ""]);
      raw.push({ year, extra: add, total: c ? c.central : 0 });
    }
    const unit = `${currency} m`;
    table("scenario-baseline", ["Year", `Baseline: share kept (${unit})`, `Target path (${unit})`, `Extra spending (${unit})`, `Extra, running total (${unit})`], rows, 1);
    const name = (data.find((r) => r.iso3 === first) || {}).name;
    const symbol = currency === "USD" ? "US$" : currency;
    const bn = (v) => `${symbol} ${number(v / 1000, Math.abs(v) < 10000 ? 1 : 0)} bn`;
    const end = raw.length ? raw[raw.length - 1] : null;
    document.getElementById("baseline-total").textContent = end
      ? `${name}: ${bn(end.total)} more than the baseline by ${end.year}, in total over ${raw[0].year + 1}-${end.year}; ` +
        `${bn(end.extra)} more in ${end.year} alone. The baseline keeps each ally's ${raw[0].year} share of GDP (central path, current prices).`
      : "";
  }

  document.querySelectorAll("button[data-preset]").forEach((button) => {
    button.addEventListener("click", () => {
      const preset = JSON.parse(button.dataset.preset);
      for (const [name, value] of Object.entries(preset)) form.elements[name].value = value;
      run();
    });
  });

  const params = new URLSearchParams(location.search);
  for (const name of FIELDS) if (params.has(name)) form.elements[name].value = params.get(name);
  if (site) {
    const note = document.getElementById("site-note");
    if (note) note.hidden = false;
  }
  let timer = null;
  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(run, 250); });
  form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
  run();
};
