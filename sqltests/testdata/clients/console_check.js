// Drives the web console in headless Chromium for sqltests/console_browser_test.go:
//   node console_check.js <console URL> <query id> <screenshot dir>
// Loads the page, waits for the query (created over psql by the test) to be
// listed with its lag, runs a push query from the SQL editor and waits for its
// rows to stream in while the test produces them, stops it, and saves
// screenshots. Exits non-zero, with the reason on stderr, when a step fails.
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

    await page.fill("#sql", "SELECT id, v FROM s EMIT CHANGES;");
    await page.click("#run");
    // The test produces a record every 200 ms: rows must appear as they come.
    await page.waitForFunction(() => document.querySelectorAll("#result tbody tr").length >= 3, null, { timeout: 30000 });
    const first = await page.$$eval("#result tbody tr", (trs) => trs.length);
    await page.waitForFunction((n) => document.querySelectorAll("#result tbody tr").length > n, first, { timeout: 10000 });
    await page.screenshot({ path: `${shots}/push.png`, fullPage: true });
    await page.click("#stop");
    await page.waitForFunction(() => document.getElementById("stop").disabled, null, { timeout: 10000 });
    if (offOrigin.length) throw new Error("requests to other origins: " + offOrigin.join(", "));
    const rows = await page.$$eval("#result tbody tr", (trs) => trs.length);
    console.log(JSON.stringify({ lag: Number(lag), rows }));
  } finally {
    await browser.close();
  }
}

main().catch((err) => { console.error(String(err && err.stack || err)); process.exit(1); });
