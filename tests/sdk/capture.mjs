// The canonical SDK capture of fixtures/sdk/: the real Node SDKs send a fixed scenario to a
// fresh ruddermock (default file database), one event per request and each request waited for,
// so the traffic is the same on every run; then `ruddermock export --normalize` writes it as
// NDJSON (the events) and HAR (the requests).
//
//   node capture.mjs RUDDERMOCK OUTDIR            writes OUTDIR/sdk-capture.{ndjson,har}
//   node capture.mjs RUDDERMOCK OUTDIR --check FIXTURES
//       also compares them byte for byte with FIXTURES/sdk-capture.*, runs `ruddermock
//       verify` against the live server, and replays the HAR fixture into a second ruddermock
//       whose events must verify against the NDJSON fixture (run by CTest).
// scripts/capture-fixtures.sh regenerates the fixtures with this script.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const RudderAnalytics = require('@rudderstack/rudder-sdk-node');
const { Analytics: SegmentAnalytics } = require('@segment/analytics-node');

const [binary, outDir, flag, fixturesDir] = process.argv.slice(2);
if (!binary || !outDir || (flag && (flag !== '--check' || !fixturesDir))) {
  console.error('usage: node capture.mjs RUDDERMOCK OUTDIR [--check FIXTURES_DIR]');
  process.exit(2);
}
const FILES = ['sdk-capture.ndjson', 'sdk-capture.har'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const work = mkdtempSync(join(tmpdir(), 'ruddermock-capture-'));
const servers = [];

let failed = 0;
function check(name, ok, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : ' ' + detail}`);
  if (!ok) failed++;
}

async function startServer(name) {
  const portFile = join(work, `${name}.port`);
  const db = join(work, `${name}.db`);
  const proc = spawn(binary, ['--headless', '--port', '0', '--port-file', portFile, '--db', db], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  servers.push(proc);
  for (let i = 0; i < 500; i++) {
    if (existsSync(portFile)) {
      const text = readFileSync(portFile, 'utf8').trim();
      if (text) return { base: `http://127.0.0.1:${Number(text)}`, db, proc };
    }
    await sleep(10);
  }
  throw new Error(`ruddermock (${name}) did not start`);
}

// Waits until `count` events of writeKey are stored.
async function waitFor(base, writeKey, count) {
  const res = await fetch(`${base}/_mock/wait?writeKey=${writeKey}&count=${count}&timeout_ms=10000&limit=1`);
  if (res.status !== 200) throw new Error(`${writeKey}: event ${count} did not arrive (${res.status})`);
}

// The scenario: the six call types, each alone in its request, in a fixed order.
async function scenario(client, prefix, writeKey, base, flush) {
  const userId = `${prefix}-user-1`;
  const calls = [
    () => client.identify({ userId, traits: { email: `${prefix}@example.com`, plan: 'pro' } }),
    () => client.track({ userId, event: 'Order Completed', properties: { orderId: 'o-1', total: 99.5, currency: 'EUR', products: [{ sku: 'sku-1', quantity: 2 }] } }),
    () => client.page({ userId, category: 'Docs', name: 'Pricing', properties: { path: '/pricing' } }),
    () => client.screen({ userId, name: 'Home', properties: { variant: 'b' } }),
    () => client.group({ userId, groupId: `${prefix}-company`, traits: { name: 'ACME', employees: 12 } }),
    () => client.alias({ userId, previousId: `${prefix}-anon-1` }),
    () => client.track({ anonymousId: `${prefix}-anon-2`, event: 'Signed Out', properties: {} }),
  ];
  for (let i = 0; i < calls.length; i++) {
    calls[i]();
    await flush();
    await waitFor(base, writeKey, i + 1);
  }
  return calls.length;
}

function run(args) {
  const r = spawnSync(binary, args, { encoding: 'utf8' });
  return { status: r.status, out: (r.stdout || '') + (r.stderr || '') };
}

function exportTo(db, dir) {
  for (const [format, file] of [['ndjson', FILES[0]], ['har', FILES[1]]]) {
    const r = run(['export', '--db', db, '--format', format, '--normalize', '-o', join(dir, file)]);
    if (r.status !== 0) throw new Error(`export ${format}: exit ${r.status}: ${r.out}`);
  }
}

// The first line where two texts differ, for a readable failure.
function firstDifference(a, b) {
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}:\n  expected ${la[i]}\n  got      ${lb[i]}`;
  }
  return '';
}

async function main() {
  const live = await startServer('capture');
  const rudder = new RudderAnalytics('wk-fixture-rudder', {
    dataPlaneUrl: live.base,
    flushAt: 1,
    flushInterval: 60000,
    logLevel: 'error',
  });
  await scenario(rudder, 'rudder', 'wk-fixture-rudder', live.base, () => rudder.flush());
  const segment = new SegmentAnalytics({ writeKey: 'wk-fixture-segment', host: live.base, maxEventsInBatch: 1, flushInterval: 60000 });
  await scenario(segment, 'segment', 'wk-fixture-segment', live.base, async () => {});
  await segment.closeAndFlush({ timeout: 10000 });

  exportTo(live.db, outDir);
  console.log(`wrote ${FILES.map((f) => join(outDir, f)).join(', ')}`);
  if (flag !== '--check') return;

  for (const file of FILES) {
    const want = readFileSync(join(fixturesDir, file), 'utf8');
    const got = readFileSync(join(outDir, file), 'utf8');
    check(`${file}: byte-identical to the fixture`, want === got, firstDifference(want, got));
  }
  const verify = run(['verify', '--expect', join(fixturesDir, FILES[0]), '--url', live.base]);
  check('verify --url against the NDJSON fixture exits 0', verify.status === 0, verify.out);

  // The HAR fixture as input: replayed into a second server, it gives the NDJSON fixture again.
  const second = await startServer('replayed');
  const replay = run(['replay', join(fixturesDir, FILES[1]), '--to', second.base]);
  check('replay of the HAR fixture exits 0', replay.status === 0, replay.out);
  await waitFor(second.base, 'wk-fixture-segment', 7);
  // Replay cannot restore the SDKs' _metadata (a placeholder in the fixture): left out.
  const replayed = run(['verify', '--expect', join(fixturesDir, FILES[0]), '--db', second.db, '--ignore', '_metadata']);
  check('the replayed HAR verifies against the NDJSON fixture', replayed.status === 0, replayed.out);
}

try {
  await main();
} catch (err) {
  check('run', false, String((err && err.stack) || err));
} finally {
  for (const s of servers) {
    s.kill('SIGTERM');
    await new Promise((r) => (s.exitCode !== null ? r() : s.once('exit', r)));
  }
  rmSync(work, { recursive: true, force: true });
}
if (flag === '--check') console.log(failed === 0 ? 'all passed' : `${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
