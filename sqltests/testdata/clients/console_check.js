// Drives the web console in headless Chromium for sqltests/console_browser_test.go:
//   node console_check.js <console URL> <query id> <screenshot dir>
// Loads the page, waits for the query (created over psql by the test) to be
// listed with its lag, finds this node running its task in the cluster
// view, finds the source stream S with its columns (key column
// and types) and topic, draws the query's EXPLAIN as a graph (boxes for the
// operators, an edge per input), runs a push query from the SQL editor and
// waits for its rows to stream in while the test produces them, stops it,
// streams the processing log until the query's entry for the bad record the
// test produced appears, and saves screenshots. Exits non-zero, with the reason on stderr, when a step fails.
const { chromium } = require("playwright-core");

const [url, queryId, shots] = process.argv.slice(2);

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const offOrigin = [];
    page.on("request", (r) => { if (!r.url().startsWith(url)) offOrigin.push(r.url()); });
    await page.goto(url);
    await page.waitForSelector(`#queries tr[data-query="${queryId}"]`, { timeout: 20000 });
    const lag = await page.textContent(`#queries tr[data-query="${queryId}"] td.lag`);
    if (!/^\d+$/.test(lag.trim())) throw new Error(`lag of ${queryId} is ${JSON.stringify(lag)}`);
    await page.waitForFunction(() => document.getElementById("health").textContent === "healthy", null, { timeout: 10000 });
    await page.screenshot({ path: `${shots}/queries.png`, fullPage: true });

    // The source's schema, from DESCRIBE's sourceDescription.
    const src = '#sources tr[data-source="S"]';
    await page.waitForFunction((sel) => {
      const tr = document.querySelector(sel);
      return tr && tr.querySelector("td.cols span.key");
    }, src, { timeout: 15000 });
    const source = await page.$eval(src, (tr) => ({
      cells: [...tr.children].slice(0, 6).map((td) => td.textContent),
      keys: [...tr.querySelectorAll("td.cols span.key")].map((s) => s.textContent),
      cols: [...tr.querySelectorAll("td.cols span")].map((s) => s.textContent),
    }));

    // The cluster view: this node (the only one) runs the query's task.
    await page.waitForFunction((id) => {
      const tr = document.querySelector("#cluster tr.self");
      return tr && tr.textContent.includes(id);
    }, queryId, { timeout: 15000 });
    const cluster = await page.$$eval("#cluster tbody tr", (trs) => trs.map((tr) => ({
      node: tr.dataset.node, self: tr.classList.contains("self"), cells: [...tr.children].map((td) => td.textContent) })));

    // The query's plan drawn as a graph.
    await page.click(`#queries tr[data-query="${queryId}"] button`);
    await page.waitForSelector('#plan g.plan-node[data-op="Sink"]', { timeout: 10000 });
    const graph = await page.$eval("#plan", (svg) => ({
      ops: [...svg.querySelectorAll("g.plan-node")].map((g) => g.dataset.op),
      texts: [...svg.querySelectorAll("g.plan-node")].map((g) => [...g.querySelectorAll("text")].map((t) => t.textContent).join(" | ")),
      edges: svg.querySelectorAll("path.edge").length,
      width: svg.getBoundingClientRect().width,
      title: document.getElementById("plan-title").textContent,
    }));
    await page.locator("#plan-section").screenshot({ path: `${shots}/plan.png` });

    // An EXPLAIN from the editor draws a join: two inputs side by side above it.
    await page.fill("#sql", "EXPLAIN SELECT s.id, v, name FROM s LEFT JOIN t ON s.id = t.id EMIT CHANGES;");
    await page.click("#run");
    await page.waitForFunction(() => document.querySelectorAll('#plan g.plan-node[data-op="Source"]').length === 2, null, { timeout: 10000 });
    const join = await page.$eval("#plan", (svg) => {
      const boxes = [...svg.querySelectorAll("g.plan-node")].map((g) => ({ op: g.dataset.op, box: g.getBoundingClientRect() }));
      const sources = boxes.filter((b) => b.op === "Source").map((b) => b.box);
      const joinBox = boxes.find((b) => /Join/.test(b.op));
      return {
        ops: boxes.map((b) => b.op), edges: svg.querySelectorAll("path.edge").length,
        sourcesSideBySide: sources.length === 2 && sources[0].y === sources[1].y && sources[0].x !== sources[1].x,
        joinBelowSources: !!joinBox && sources.every((b) => b.y + b.height < joinBox.box.y),
      };
    });
    await page.locator("#plan-section").screenshot({ path: `${shots}/plan-join.png` });
    await page.locator("#sources-section").screenshot({ path: `${shots}/sources.png` });

    await page.fill("#sql", "SELECT id, v FROM s EMIT CHANGES;");
    await page.click("#run");
    // The test produces a record every 200 ms: rows must appear as they come.
    await page.waitForFunction(() => document.querySelectorAll("#result tbody tr").length >= 3, null, { timeout: 30000 });
    const first = await page.$$eval("#result tbody tr", (trs) => trs.length);
    await page.waitForFunction((n) => document.querySelectorAll("#result tbody tr").length > n, first, { timeout: 10000 });
    await page.screenshot({ path: `${shots}/push.png`, fullPage: true });
    await page.click("#stop");
    await page.waitForFunction(() => document.getElementById("stop").disabled, null, { timeout: 10000 });
    const rows = await page.$$eval("#result tbody tr", (trs) => trs.length);

    // The processing log: the bad record the test produced is an entry of the
    // query's, streamed live, and counted on the query's row.
    await page.click("#proclog");
    const logger = `processing.${queryId}`;
    await page.waitForFunction((l) => [...document.querySelectorAll("#result tbody tr")].some((tr) => tr.textContent.includes(l)),
      logger, { timeout: 15000 });
    const entry = await page.$$eval("#result tbody tr", (trs, l) => trs.map((tr) => tr.textContent).find((t) => t.includes(l)), logger);
    await page.screenshot({ path: `${shots}/processing-log.png`, fullPage: true });
    await page.click("#stop");
    await page.waitForFunction(() => document.getElementById("stop").disabled, null, { timeout: 10000 });
    await page.waitForFunction((id) => {
      const td = document.querySelectorAll(`#queries tr[data-query="${id}"] td`)[6];
      return td && Number(td.textContent) >= 1;
    }, queryId, { timeout: 10000 });
    if (offOrigin.length) throw new Error("requests to other origins: " + offOrigin.join(", "));
    console.log(JSON.stringify({ lag: Number(lag), rows, source, graph, join, entry, cluster }));
  } finally {
    await browser.close();
  }
}

main().catch((err) => { console.error(String(err && err.stack || err)); process.exit(1); });
