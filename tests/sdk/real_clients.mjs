// Real SDK clients against a real ruddermock: every event they send must be stored.
// Usage: node real_clients.mjs /path/to/ruddermock   (run by CTest; prints N passed, N failed)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const RudderAnalytics = require('@rudderstack/rudder-sdk-node');
const { Analytics: SegmentAnalytics } = require('@segment/analytics-node');

const binary = process.argv[2];
const dir = mkdtempSync(join(tmpdir(), 'ruddermock-sdk-'));
const portFile = join(dir, 'port');
const server = spawn(binary, ['--headless', '--port', '0', '--port-file', portFile, '--db', ':memory:'], {
  stdio: ['ignore', 'inherit', 'inherit'],
});

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

async function admin(base, path) {
  const res = await fetch(base + path);
  return res.json();
}

// Sends the six call types plus `extra` tracks through one SDK client.
function sendAll(client, prefix, extra) {
  const id = `${prefix}-user`;
  client.identify({ userId: id, traits: { email: `${prefix}@example.com` } });
  client.track({ userId: id, event: `${prefix} Signed Up`, properties: { plan: 'pro' } });
  client.page({ userId: id, name: 'Pricing', properties: { path: '/pricing' } });
  client.screen ? client.screen({ userId: id, name: 'Home' }) : client.track({ userId: id, event: 'Screen' });
  client.group({ userId: id, groupId: `${prefix}-company`, traits: { name: 'ACME' } });
  client.alias({ userId: id, previousId: `${prefix}-anon` });
  for (let i = 0; i < extra; i++) {
    client.track({ userId: id, event: `${prefix} Bulk`, properties: { i } });
  }
  return 6 + extra;
}

async function main() {
  const port = await waitForPort();
  const base = `http://127.0.0.1:${port}`;

  // @rudderstack/rudder-sdk-node: gzip on (its default), batches of 20 and of 50.
  const rudderErrors = [];
  const rudder = new RudderAnalytics('wk-rudder-node', {
    dataPlaneUrl: base,
    flushAt: 50,
    flushInterval: 200,
    logLevel: 'error',
    errorHandler: (err) => rudderErrors.push(err),
  });
  const rudderSent = sendAll(rudder, 'rudder', 150);
  await rudder.flush();
  for (let i = 0; i < 20; i++) await rudder.flush();

  // @segment/analytics-node: plain JSON batches.
  const segment = new SegmentAnalytics({
    writeKey: 'wk-segment-node',
    host: base,
    maxEventsInBatch: 25,
    flushInterval: 200,
  });
  const segmentErrors = [];
  segment.on('error', (err) => segmentErrors.push(err));
  const segmentSent = sendAll(segment, 'segment', 60);
  await segment.closeAndFlush({ timeout: 20000 });

  for (const [key, sent, errors] of [
    ['wk-rudder-node', rudderSent, rudderErrors],
    ['wk-segment-node', segmentSent, segmentErrors],
  ]) {
    const waited = await fetch(`${base}/_mock/wait?writeKey=${key}&count=${sent}&timeout_ms=20000&limit=10000`);
    const got = await waited.json();
    check(`${key}: no client errors`, errors.length === 0, JSON.stringify(errors.map(String)));
    check(`${key}: all ${sent} events stored`, waited.status === 200 && got.events.length === sent,
      `status ${waited.status}, stored ${got.events.length}`);
    const types = new Set(got.events.map((e) => e.type));
    for (const t of ['identify', 'track', 'page', 'screen', 'group', 'alias']) {
      check(`${key}: has ${t}`, types.has(t));
    }
    const journal = await admin(base, `/_mock/requests?writeKey=${key}&limit=10000`);
    const refused = journal.requests.filter((r) => r.status !== 200);
    check(`${key}: no refused requests`, refused.length === 0, JSON.stringify(refused.slice(0, 2)));
    const sizes = journal.requests.map((r) => r.event_count);
    check(`${key}: batched (largest batch ${Math.max(...sizes)})`, Math.max(...sizes) >= 20);
    if (key === 'wk-rudder-node') {
      const gz = journal.requests.filter((r) => r.headers['Content-Encoding'] === 'gzip');
      check(`${key}: sent gzip`, gz.length === journal.requests.length && gz.length > 0);
      const form = journal.requests.filter((r) => String(r.headers['Content-Type']).includes('x-www-form-urlencoded'));
      check(`${key}: labelled form-urlencoded (the 8 KB form limit trap)`, form.length > 0);
      const ids = got.events.map((e) => e.payload.rudderId);
      check(`${key}: enriched with rudderId`, ids.every((x) => typeof x === 'string' && x.length === 36));
    }
  }
}

try {
  await main();
} catch (err) {
  check('run', false, String(err && err.stack || err));
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
