// Sluice console: reads only this node's own endpoints (same origin).
"use strict";

const history = new Map(); // query id -> [{t, in, lag}]
const KEEP_MS = 5 * 60 * 1000;

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function spark(points) {
  // Two lines: records in per second (dark) and lag (red), each scaled to its own max.
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", "spark");
  svg.setAttribute("viewBox", "0 0 180 28");
  const rates = [];
  for (let i = 1; i < points.length; i++) {
    const dt = (points[i].t - points[i - 1].t) / 1000;
    rates.push({ t: points[i].t, v: dt > 0 ? Math.max(0, points[i].in - points[i - 1].in) / dt : 0 });
  }
  const lags = points.map((p) => ({ t: p.t, v: p.lag }));
  for (const [series, color] of [[rates, "#1d2430"], [lags, "#b3261e"]]) {
    if (series.length < 2) continue;
    const t0 = series[0].t, t1 = series[series.length - 1].t || t0 + 1;
    const max = Math.max(1, ...series.map((p) => p.v));
    const d = series.map((p, i) => (i ? "L" : "M") + ((p.t - t0) / Math.max(1, t1 - t0) * 178 + 1).toFixed(1) + "," + (27 - p.v / max * 26).toFixed(1)).join(" ");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", d);
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", color);
    svg.appendChild(path);
  }
  return svg;
}

async function refreshQueries() {
  const health = document.getElementById("health");
  try {
    const h = await fetch("/healthz");
    health.textContent = h.ok ? "healthy" : "unhealthy: " + (await h.text()).trim();
    const qs = await (await fetch("/queries")).json();
    const now = Date.now();
    const body = document.querySelector("#queries tbody");
    body.replaceChildren();
    for (const q of qs) {
      const hist = history.get(q.ID) || [];
      hist.push({ t: now, in: q.RecordsIn, lag: q.Lag });
      while (hist.length && now - hist[0].t > KEEP_MS) hist.shift();
      history.set(q.ID, hist);
      let rate = 0;
      if (hist.length > 1) {
        const a = hist[hist.length - 2], b = hist[hist.length - 1];
        rate = Math.max(0, b.in - a.in) / Math.max(0.001, (b.t - a.t) / 1000);
      }
      const tr = el("tr");
      tr.dataset.query = q.ID;
      tr.append(el("td", q.ID), el("td", q.State, q.State), el("td", q.RecordsIn, "num"), el("td", q.RecordsOut, "num"),
        el("td", rate.toFixed(1), "num"), el("td", q.Lag, "num lag"), el("td", q.ProcessingLogEntries, "num"));
      const s = el("td");
      s.appendChild(spark(hist));
      const explain = el("button", "Explain");
      explain.addEventListener("click", () => showPlan("EXPLAIN " + q.ID + ";"));
      const planCell = el("td");
      planCell.appendChild(explain);
      tr.append(s, el("td", q.Error || ""), planCell);
      body.appendChild(tr);
    }
  } catch (err) {
    health.textContent = "unreachable: " + err;
  }
}

async function ksql(statements) {
  const resp = await fetch("/ksql", {
    method: "POST",
    headers: { "Content-Type": "application/vnd.ksql.v1+json" },
    body: JSON.stringify({ ksql: statements, streamsProperties: {} }),
  });
  return { ok: resp.ok, body: await resp.json() };
}

// typeText writes a column's type from ksqlDB's SchemaInfo.
function typeText(schema) {
  if (!schema) return "?";
  switch (schema.type) {
    case "ARRAY": return "ARRAY<" + typeText(schema.memberSchema) + ">";
    case "MAP": return "MAP<STRING, " + typeText(schema.memberSchema) + ">";
    case "STRUCT": return "STRUCT<" + (schema.fields || []).map((f) => f.name + " " + typeText(f.schema)).join(", ") + ">";
    case "DECIMAL": return schema.parameters ? `DECIMAL(${schema.parameters.precision}, ${schema.parameters.scale})` : "DECIMAL";
    default: return schema.type;
  }
}

async function refreshSources() {
  const { ok, body } = await ksql("SHOW STREAMS; SHOW TABLES;");
  if (!ok) return;
  const list = [];
  for (const ent of body) list.push(...(ent.streams || ent.tables || []));
  // One request describes every source: its columns, key columns and types.
  const described = new Map();
  if (list.length) {
    const d = await ksql(list.map((s) => "DESCRIBE " + quoteIdent(s.name) + ";").join(" "));
    if (d.ok) for (const ent of d.body) if (ent.sourceDescription) described.set(ent.sourceDescription.name, ent.sourceDescription);
  }
  const tbody = document.querySelector("#sources tbody");
  tbody.replaceChildren();
  for (const s of list) {
    const desc = described.get(s.name);
    const tr = el("tr");
    tr.dataset.source = s.name;
    const cols = el("td", null, "cols");
    for (const f of desc ? desc.fields : []) {
      const c = el("span", null, f.type === "KEY" ? "key" : "");
      c.append(f.name + " ", el("code", typeText(f.schema) + (f.type ? " " + f.type : "")));
      cols.appendChild(c);
    }
    tr.append(el("td", s.name), el("td", s.type), el("td", s.topic), el("td", desc ? desc.partitions : "", "num"),
      el("td", s.keyFormat), el("td", s.valueFormat), cols);
    tbody.appendChild(tr);
  }
}

// refreshCluster shows SHOW CLUSTER's rows: one per node, this node marked.
async function refreshCluster() {
  const { ok, body } = await ksql("SHOW CLUSTER;");
  const ent = ok && body.find((e) => e.columns && e.rows);
  if (!ent) return;
  const thead = document.querySelector("#cluster thead");
  const tbody = document.querySelector("#cluster tbody");
  const head = el("tr");
  for (const c of ent.columns) head.appendChild(el("th", c));
  thead.replaceChildren(head);
  tbody.replaceChildren();
  const self = ent.columns.indexOf("This Node");
  for (const r of ent.rows) {
    const tr = el("tr", null, r[self] === true ? "self" : "");
    tr.dataset.node = r[0];
    for (const v of r) tr.appendChild(el("td", v === null ? "" : v));
    tbody.appendChild(tr);
  }
}

function quoteIdent(name) {
  return /^[A-Z_][A-Z0-9_]*$/.test(name) ? name : "`" + name.replace(/`/g, "``") + "`";
}

// showPlan runs an EXPLAIN over /ksql and draws its operator tree.
async function showPlan(statement) {
  const { ok, body } = await ksql(statement);
  const ent = ok && body.find((e) => e.queryDescription);
  if (!ent) {
    document.getElementById("plan-title").textContent = ok ? "no plan" : body.message;
    return;
  }
  drawPlan(ent.queryDescription);
}

// drawPlan lays the operator tree out in layers (sources at the top, the sink
// at the bottom): each leaf takes the next column, a parent sits centred over
// its inputs, and an edge runs from each input down to its parent.
function drawPlan(desc) {
  const W = 300, H = 58, GX = 24, GY = 40;
  const nodes = [];
  let leaves = 0, maxDepth = 0;
  const place = (n, depth) => {
    const me = { n, depth, x: 0, inputs: [] };
    nodes.push(me);
    maxDepth = Math.max(maxDepth, depth);
    if (!n.inputs.length) me.x = leaves++;
    else {
      me.inputs = n.inputs.map((c) => place(c, depth + 1));
      me.x = (me.inputs[0].x + me.inputs[me.inputs.length - 1].x) / 2;
    }
    return me;
  };
  place(desc.sluicePlan, 0);
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.getElementById("plan");
  svg.replaceChildren();
  const width = leaves * (W + GX), height = (maxDepth + 1) * (H + GY);
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const defs = document.createElementNS(ns, "defs");
  defs.innerHTML = '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#1d2430"/></marker>';
  svg.appendChild(defs);
  const pos = (m) => ({ x: m.x * (W + GX) + GX / 2, y: (maxDepth - m.depth) * (H + GY) + GY / 2 });
  const clip = (t, n) => (t.length > n ? t.slice(0, n - 1) + "…" : t);
  for (const m of nodes) {
    const p = pos(m);
    m.inputs.forEach((c, k) => {
      const q = pos(c);
      const path = document.createElementNS(ns, "path");
      // Inputs enter the box at spread points, in FROM order.
      const x1 = q.x + W / 2, y1 = q.y + H, x2 = p.x + W * (k + 1) / (m.inputs.length + 1), y2 = p.y;
      path.setAttribute("d", `M${x1},${y1} C${x1},${(y1 + y2) / 2} ${x2},${(y1 + y2) / 2} ${x2},${y2}`);
      path.setAttribute("class", "edge");
      path.setAttribute("marker-end", "url(#arrow)");
      svg.appendChild(path);
    });
    const g = document.createElementNS(ns, "g");
    g.setAttribute("class", "plan-node " + m.n.op);
    g.setAttribute("data-op", m.n.op);
    g.setAttribute("transform", `translate(${p.x},${p.y})`);
    const attrs = m.n.attrs.map((a) => a.key + " " + a.value).join(", ");
    const title = document.createElementNS(ns, "title");
    title.textContent = [m.n.op, m.n.detail, attrs].filter(Boolean).join("\n");
    const rect = document.createElementNS(ns, "rect");
    rect.setAttribute("width", W);
    rect.setAttribute("height", H);
    g.append(title, rect);
    [[m.n.op, "op"], [m.n.detail, "detail"], [attrs, "attrs"]].forEach(([t, cls], i) => {
      const text = document.createElementNS(ns, "text");
      text.setAttribute("x", 8);
      text.setAttribute("y", 17 + i * 16);
      text.setAttribute("class", cls);
      text.textContent = clip(t || "", 44);
      g.appendChild(text);
    });
    svg.appendChild(g);
  }
  document.getElementById("plan-title").textContent = desc.id ? desc.id + ": " + clip(desc.statementText, 120) : clip(desc.statementText, 120);
}

let running = null; // {queryId, controller}

function setStatus(text, error) {
  const s = document.getElementById("status");
  s.textContent = text;
  s.className = error ? "error" : "";
}

async function runSQL() {
  const sql = document.getElementById("sql").value.trim();
  const thead = document.querySelector("#result thead");
  const tbody = document.querySelector("#result tbody");
  const entities = document.getElementById("entities");
  thead.replaceChildren();
  tbody.replaceChildren();
  entities.textContent = "";
  if (!/^\s*select\b/i.test(sql)) {
    const { ok, body } = await ksql(sql.endsWith(";") ? sql : sql + ";");
    setStatus(ok ? "done" : body.message, !ok);
    entities.textContent = JSON.stringify(body, null, 2);
    if (ok) for (const e of body) if (e.queryDescription) drawPlan(e.queryDescription);
    refreshSources();
    return;
  }
  const props = document.getElementById("earliest").checked ? { "auto.offset.reset": "earliest" } : {};
  const controller = new AbortController();
  running = { queryId: null, controller };
  document.getElementById("stop").disabled = false;
  setStatus("running…");
  let rows = 0;
  try {
    const resp = await fetch("/query-stream", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/vnd.ksqlapi.delimited.v1" },
      body: JSON.stringify({ sql, properties: props }),
      signal: controller.signal,
    });
    if (!resp.ok) {
      const err = await resp.json();
      setStatus(err.message, true);
      return;
    }
    const reader = resp.body.getReader();
    const decoder = new TextDecoder();
    let buf = "";
    let header = null;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.trim()) continue;
        const msg = JSON.parse(line);
        if (!header) {
          header = msg;
          running.queryId = msg.queryId;
          const tr = el("tr");
          for (const c of msg.columnNames) tr.appendChild(el("th", c));
          thead.appendChild(tr);
          continue;
        }
        if (!Array.isArray(msg)) {
          setStatus(msg.message || JSON.stringify(msg), true);
          continue;
        }
        const tr = el("tr");
        for (const v of msg) tr.appendChild(el("td", v === null ? "NULL" : typeof v === "object" ? JSON.stringify(v) : v));
        tbody.appendChild(tr);
        rows++;
        setStatus(rows + " rows");
      }
    }
    setStatus(rows + " rows, done");
  } catch (err) {
    if (err.name !== "AbortError") setStatus(String(err), true);
  } finally {
    running = null;
    document.getElementById("stop").disabled = true;
  }
}

async function stop() {
  if (!running) return;
  if (running.queryId) {
    await fetch("/close-query", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ queryId: running.queryId }) });
  }
  running.controller.abort();
  setStatus("stopped");
}

document.getElementById("run").addEventListener("click", runSQL);
document.getElementById("stop").addEventListener("click", stop);
document.getElementById("proclog").addEventListener("click", () => {
  document.getElementById("sql").value = "SELECT * FROM KSQL_PROCESSING_LOG EMIT CHANGES;";
  runSQL();
});
refreshQueries();
refreshSources();
refreshCluster();
setInterval(refreshQueries, 2000);
setInterval(refreshSources, 10000);
setInterval(refreshCluster, 5000);
