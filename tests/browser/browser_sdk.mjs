// The RudderStack browser SDK (@rudderstack/analytics-js v3, bundled build) in Debian's headless
// Chromium, driven by playwright-core, against a real ruddermock: the control plane
// (/sourceConfig) and the data plane on one port, the test page on another (so every request is
// cross-origin: real CORS and preflights). Nothing is downloaded: Chromium is /usr/bin/chromium
// and the SDK is served from node_modules.
// Usage: node browser_sdk.mjs /path/to/ruddermock   (run by CTest; prints N passed, N failed)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const modulesDir = process.env.BROWSER_TEST_MODULES || join(process.cwd(), 'node_modules');
const require = createRequire(join(modulesDir, 'resolver.cjs'));
const { chromium } = require('playwright-core');
const sdkFile = join(modulesDir, '@rudderstack/analytics-js/dist/npm/modern/bundled/esm/index.mjs');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

const binary = process.argv[2];
const dir = mkdtempSync(join(tmpdir(), 'ruddermock-browser-'));
const portFile = join(dir, 'port');
const started = Date.now();

let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  if (ok) {
    passed++;
    console.log(`ok   ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name} ${detail}`);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitForPort() {
  for (let i = 0; i < 500; i++) {
    if (existsSync(portFile)) {
      const text = readFileSync(portFile, 'utf8').trim();
      if (text) return Number(text);
    }
    await sleep(10);
  }
  throw new Error('ruddermock did not start');
}

// The test page: loads the SDK as an ES module and exposes it as window.rudderanalytics.
// ?wk=&dp=&beacon=1 choose the write key, the ruddermock URL and the transport.
function pageHtml() {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>ruddermock browser test</title>
<link rel="icon" href="data:,"></head>
<body><h1>ruddermock browser test</h1>
<script type="module">
import { RudderAnalytics } from '/sdk/analytics.mjs';
const q = new URLSearchParams(location.search);
const dataPlane = q.get('dp');
const analytics = new RudderAnalytics();
window.rudderanalytics = analytics;
analytics.load(q.get('wk'), dataPlane, {
  configUrl: dataPlane,
  logLevel: 'WARN',
  useBeacon: q.get('beacon') === '1',
  beaconQueueOptions: { maxItems: 3, flushQueueInterval: 300 },
  storage: { type: 'localStorage' },
});
analytics.ready(() => { window.sdkReady = true; });
</script></body></html>`;
}

function startPageServer() {
  const sdk = readFileSync(sdkFile);
  const server = createServer((req, res) => {
    const path = req.url.split('?')[0];
    if (path === '/sdk/analytics.mjs') {
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' });
      res.end(sdk);
    } else if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(pageHtml());
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function admin(base, path, init) {
  const res = await fetch(base + path, init);
  return res.json();
}

// A fresh browser context (its own storage, so its own anonymousId) with the page loaded and
// the SDK ready; every failed request and console error is collected.
async function openPage(browser, pageBase, dataPlane, writeKey, beacon) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = { failed: [], console: [] };
  page.on('requestfailed', (r) => problems.failed.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.console.push(m.text());
  });
  page.on('pageerror', (e) => problems.console.push(`page error: ${e.message}`));
  const url = `${pageBase}/?wk=${writeKey}&dp=${encodeURIComponent(dataPlane)}&beacon=${beacon ? 1 : 0}`;
  await page.goto(url);
  await page.waitForFunction(() => window.sdkReady === true, null, { timeout: 15000 });
  const anonymousId = await page.evaluate(() => window.rudderanalytics.getAnonymousId());
  return { context, page, problems, anonymousId };
}

async function waitEvents(base, writeKey, count) {
  const res = await fetch(`${base}/_mock/wait?writeKey=${writeKey}&count=${count}&timeout_ms=20000&limit=1000`);
  const body = await res.json();
  return { ok: res.status === 200, events: body.events };
}

const LIBRARY = 'RudderLabs JavaScript SDK';

// XHR transport: one request per call, to /v1/{type}, with AnonymousId and SentAt headers.
async function xhrScenario(browser, pageBase, base) {
  const wk = 'wk-browser-xhr';
  const { context, page, problems, anonymousId } = await openPage(browser, pageBase, base, wk, false);
  await page.evaluate(() => {
    const ra = window.rudderanalytics;
    ra.page('Docs', 'Intro', { section: 'start' });
    ra.track('Clicked Buy', { button: 'buy', price: 9.5 });
    ra.identify('user-42', { email: 'grace@example.com', plan: 'pro' });
    ra.group('org-7', { name: 'ACME', seats: 12 });
    ra.alias('user-42-new');
  });
  const { ok, events } = await waitEvents(base, wk, 5);
  check('xhr: all 5 calls stored', ok && events.length === 5, `stored ${events.length}`);
  const byType = Object.fromEntries(events.map((e) => [e.type, e.payload]));
  for (const t of ['page', 'track', 'identify', 'group', 'alias']) {
    const e = byType[t];
    check(`xhr: ${t} arrived`, !!e);
    if (!e) continue;
    check(`xhr: ${t} anonymousId is the page's`, e.anonymousId === anonymousId, `${e.anonymousId} vs ${anonymousId}`);
    check(`xhr: ${t} context.library.name`, e.context?.library?.name === LIBRARY, JSON.stringify(e.context?.library));
  }
  check('xhr: page name and properties', byType.page?.name === 'Intro' && byType.page?.properties?.section === 'start'
    && byType.page?.properties?.category === 'Docs', JSON.stringify(byType.page?.properties));
  check('xhr: track event and properties', byType.track?.event === 'Clicked Buy'
    && byType.track?.properties?.button === 'buy' && byType.track?.properties?.price === 9.5,
    JSON.stringify(byType.track?.properties));
  check('xhr: identify userId and traits', byType.identify?.userId === 'user-42'
    && byType.identify?.context?.traits?.email === 'grace@example.com', JSON.stringify(byType.identify?.context?.traits));
  check('xhr: group groupId and traits', byType.group?.groupId === 'org-7' && byType.group?.traits?.seats === 12,
    JSON.stringify(byType.group?.traits));
  check('xhr: alias userId and previousId', byType.alias?.userId === 'user-42-new' && byType.alias?.previousId === 'user-42',
    JSON.stringify({ userId: byType.alias?.userId, previousId: byType.alias?.previousId }));

  // The journal: the SDK's start-up (sourceConfig and its preflight) and the events' requests
  // with the browser headers decoded by the admin API.
  const journal = (await admin(base, `/_mock/requests?limit=1000`)).requests;
  const config = journal.filter((r) => r.path === '/sourceConfig/' && r.write_key === wk);
  check('xhr: sourceConfig fetched and journaled (200)', config.some((r) => r.method === 'GET' && r.status === 200),
    JSON.stringify(config.map((r) => [r.method, r.status])));
  check('xhr: sourceConfig preflight journaled (204)', journal.some((r) => r.method === 'OPTIONS' && r.path === '/sourceConfig/' && r.status === 204));
  check('xhr: event preflights journaled (204)', journal.some((r) => r.method === 'OPTIONS' && r.path === '/v1/track' && r.status === 204));
  const sent = journal.filter((r) => r.write_key === wk && r.method === 'POST');
  check('xhr: one POST per call to /v1/{type}', sent.length === 5
    && ['page', 'track', 'identify', 'group', 'alias'].every((t) => sent.some((r) => r.path === `/v1/${t}` && r.status === 200)),
    JSON.stringify(sent.map((r) => [r.path, r.status])));
  check('xhr: AnonymousId header decoded', sent.every((r) => r.browser?.anonymous_id_header === anonymousId),
    JSON.stringify(sent.map((r) => r.browser)));
  check('xhr: SentAt header kept', sent.every((r) => typeof r.browser?.sent_at === 'string' && r.browser.sent_at.endsWith('Z')));
  check('xhr: no request failed in the browser (CORS included)', problems.failed.length === 0, JSON.stringify(problems.failed));
  check('xhr: no console errors', problems.console.length === 0, JSON.stringify(problems.console));
  await context.close();
}

// Beacon transport: sendBeacon of text/plain batches to /beacon/v1/batch?writeKey=.
async function beaconScenario(browser, pageBase, base) {
  const wk = 'wk-browser-beacon';
  const { context, page, problems, anonymousId } = await openPage(browser, pageBase, base, wk, true);
  await page.evaluate(() => {
    const ra = window.rudderanalytics;
    ra.page('Shop', 'Cart', { items: 2 });
    ra.track('Checkout Started', { total: 19.9 });
    ra.identify('user-b', { plan: 'free' });
  });
  const { ok, events } = await waitEvents(base, wk, 3);
  check('beacon: all 3 calls stored', ok && events.length === 3, `stored ${events.length}`);
  const byType = Object.fromEntries(events.map((e) => [e.type, e.payload]));
  for (const t of ['page', 'track', 'identify']) {
    const e = byType[t];
    check(`beacon: ${t} arrived with the page's anonymousId and library`,
      !!e && e.anonymousId === anonymousId && e.context?.library?.name === LIBRARY, JSON.stringify(e && e.context?.library));
  }
  check('beacon: track properties', byType.track?.event === 'Checkout Started' && byType.track?.properties?.total === 19.9);
  check('beacon: page properties', byType.page?.name === 'Cart' && byType.page?.properties?.items === 2);
  const sent = (await admin(base, `/_mock/requests?writeKey=${wk}&limit=100`)).requests.filter((r) => r.method === 'POST');
  check('beacon: sent to /beacon/v1/batch as text/plain', sent.length > 0 && sent.every((r) => r.path === '/beacon/v1/batch'
    && r.query === `writeKey=${wk}` && String(r.headers['Content-Type']).startsWith('text/plain') && r.status === 200),
    JSON.stringify(sent.map((r) => [r.path, r.query, r.headers['Content-Type'], r.status])));
  check('beacon: no request failed in the browser', problems.failed.length === 0, JSON.stringify(problems.failed));
  check('beacon: no console errors', problems.console.length === 0, JSON.stringify(problems.console));
  await context.close();
}

// A 503 on the first attempt of /v1/track: the SDK retries after its backoff (1 s x 2 for the
// first retry, with jitter) with the Rsa-* retry headers, and the delivery ends delivered.
async function retryScenario(browser, pageBase, base) {
  const wk = 'wk-browser-retry';
  const plan = {
    rules: [{ id: 'track-503-once', match: { route: '/v1/track', write_key: wk }, trigger: { first: 1 }, effect: { status: 503 } }],
  };
  const put = await fetch(`${base}/_mock/faults`, { method: 'PUT', body: JSON.stringify(plan) });
  check('retry: fault plan accepted', put.status === 200, String(put.status));
  const { context, page, problems } = await openPage(browser, pageBase, base, wk, false);
  await page.evaluate(() => window.rudderanalytics.track('Retried', { attempt: 'any' }));
  const { ok, events } = await waitEvents(base, wk, 1);
  check('retry: the event was stored once', ok && events.length === 1, `stored ${events.length}`);
  const tries = (await admin(base, `/_mock/requests?writeKey=${wk}&path=/v1/track&limit=100`)).requests
    .filter((r) => r.method === 'POST');
  check('retry: two attempts, 503 then 200', tries.length === 2 && tries[0].status === 503 && tries[1].status === 200,
    JSON.stringify(tries.map((r) => r.status)));
  check('retry: the first attempt carries the fault', tries[0]?.fault?.rule === 'track-503-once');
  check('retry: the first attempt has no retry headers', tries[0] && tries[0].browser?.retry_attempt === undefined);
  const b = tries[1]?.browser || {};
  check('retry: second attempt has Rsa-Retry-Attempt 1', b.retry_attempt === 1, JSON.stringify(b));
  // The SDK computes `server-503` but, in 3.34.1, its retry queue drops that reason when it
  // takes the item up again, so the header says its default, `client-network`: recorded as sent.
  check('retry: second attempt has Rsa-Retry-Reason', typeof b.retry_reason === 'string' && b.retry_reason !== '',
    JSON.stringify(b));
  check('retry: second attempt says how long since the first', Number.isInteger(b.since_first_attempt_ms) && b.since_first_attempt_ms >= 500,
    JSON.stringify(b));
  const deliveries = (await admin(base, `/_mock/deliveries?writeKey=${wk}`)).deliveries;
  const d = deliveries[0];
  check('retry: one delivery, delivered', deliveries.length === 1 && d.outcome === 'delivered', JSON.stringify(deliveries.map((x) => x.outcome)));
  check('retry: the delivery shows the retry headers', d?.attempts?.length === 2
    && d.attempts[1].retry_headers['Rsa-Retry-Attempt'] === '1', JSON.stringify(d?.attempts?.map((a) => a.retry_headers)));
  check('retry: no request failed in the browser', problems.failed.length === 0, JSON.stringify(problems.failed));
  // Chromium reports the 503 itself on the console; nothing else may be there.
  const other = problems.console.filter((t) => !t.includes('503'));
  check('retry: no console errors besides the 503', other.length === 0, JSON.stringify(other));
  await fetch(`${base}/_mock/faults`, { method: 'DELETE' });
  await context.close();
}

let server;
let pageServer;
let browser;
try {
  server = spawn(binary, ['--headless', '--port', '0', '--port-file', portFile, '--db', ':memory:'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const port = await waitForPort();
  const base = `http://127.0.0.1:${port}`;
  pageServer = await startPageServer();
  const pageBase = `http://127.0.0.1:${pageServer.address().port}`;
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
  for (const [name, scenario] of [['xhr', xhrScenario], ['beacon', beaconScenario], ['retry', retryScenario]]) {
    const t0 = Date.now();
    await scenario(browser, pageBase, base);
    console.log(`--   ${name} scenario: ${Date.now() - t0} ms`);
  }
  const stats = await admin(base, '/_mock/stats');
  check('nothing posted to /rsaMetrics (statistics off)', !JSON.stringify(stats).includes('rsaMetrics')
    && (await admin(base, '/_mock/requests?path=/rsaMetrics')).requests.length === 0);
} catch (err) {
  check('run', false, String((err && err.stack) || err));
} finally {
  if (browser) await browser.close().catch(() => {});
  if (pageServer) pageServer.close();
  if (server) {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
  rmSync(dir, { recursive: true, force: true });
}
console.log(`total ${Date.now() - started} ms`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
