// Real SDK clients against injected faults: they must retry what is retryable, give up on what
// is not, and every event must end up stored exactly once.
// Usage: node faults.mjs /path/to/ruddermock   (run by CTest; prints N passed, N failed)
//
// Two servers: one configured with --fail flags (scenarios 1 and 4), one with a plan set at run
// time through PUT /_mock/faults (scenarios 2, 3 and 5). Every scenario has its own write key,
// and every rule is scoped to that key, so the scenarios never see each other's faults.
//
// How the SDKs retry (read from their source in node_modules):
// - @rudderstack/rudder-sdk-node 3.0.13: axios-retry, 3 retries, exponentialDelay (200 ms, 400 ms,
//   800 ms, plus up to 20 %; at least a Retry-After if one is given) for network errors, 5xx and
//   429; anything else goes to errorHandler at once. The first event ever enqueued is flushed
//   alone, at once.
// - @segment/analytics-node 3.1.0: 429 with Retry-After waits that many seconds (min 1) and is
//   not counted as a retry; network errors and 5xx back off 1-2 s, then 2-4 s ...; 400 and other
//   4xx (except 408, 410, 429, 460) fail the batch at once. Retries carry X-Retry-Count: N.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const RudderAnalytics = require('@rudderstack/rudder-sdk-node');
const { Analytics: SegmentAnalytics } = require('@segment/analytics-node');

const binary = process.argv[2];
if (!binary) {
  console.log('usage: node faults.mjs /path/to/ruddermock');
  process.exit(2);
}
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
  return ok;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- servers -------------------------------------------------------------------------------

const servers = [];

async function startServer(extraArgs) {
  const dir = mkdtempSync(join(tmpdir(), 'ruddermock-faults-'));
  const portFile = join(dir, 'port');
  const proc = spawn(binary, ['--headless', '--port', '0', '--port-file', portFile, '--db', ':memory:', ...extraArgs], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const server = { proc, dir, exited: false };
  proc.once('exit', () => (server.exited = true));
  servers.push(server);
  for (let i = 0; i < 1000; i++) {
    if (server.exited) throw new Error(`ruddermock ${extraArgs.join(' ')} exited at start-up`);
    if (existsSync(portFile)) {
      const text = readFileSync(portFile, 'utf8').trim();
      if (text) {
        server.base = `http://127.0.0.1:${Number(text)}`;
        return server;
      }
    }
    await sleep(10);
  }
  throw new Error('ruddermock did not start');
}

async function stopServers() {
  for (const s of servers) {
    if (!s.exited) {
      s.proc.kill('SIGTERM');
      const killer = setTimeout(() => s.proc.kill('SIGKILL'), 5000);
      await new Promise((r) => (s.exited ? r() : s.proc.once('exit', r)));
      clearTimeout(killer);
    }
    rmSync(s.dir, { recursive: true, force: true });
  }
}

// A last resort if the script dies some other way: never leave a server behind.
process.on('exit', () => {
  for (const s of servers) if (!s.exited) s.proc.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => process.exit(1));
}

// ---- admin API -----------------------------------------------------------------------------

async function getJSON(base, path) {
  const res = await fetch(base + path);
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

async function journal(base, key) {
  const reqs = (await getJSON(base, `/_mock/requests?writeKey=${encodeURIComponent(key)}&limit=1000`)).body.requests || [];
  return reqs.sort((a, b) => a.id - b.id);
}

// Answers {summary, deliveries}; an answer that is not a 200 with a valid JSON body keeps an
// empty list and says what came back in `error`.
async function deliveries(base, key) {
  const { status, body } = await getJSON(base, `/_mock/deliveries?writeKey=${encodeURIComponent(key)}`);
  if (status === 200 && body && body.summary && Array.isArray(body.deliveries)) return body;
  const text = typeof body === 'string' ? `not JSON: ${JSON.stringify(body.slice(0, 700))}` : JSON.stringify(body);
  return { summary: null, deliveries: [], error: `HTTP ${status}, ${text}` };
}

// The deliveries view must answer before anything in it can be checked.
function deliveriesAnswered(name, d) {
  return check(`${name}: GET /_mock/deliveries answers valid JSON`, !d.error, d.error);
}

async function events(base, key) {
  return (await getJSON(base, `/_mock/events?writeKey=${encodeURIComponent(key)}&limit=10000`)).body.events || [];
}

async function waitForEvents(base, key, count, timeoutMs = 15000) {
  return getJSON(base, `/_mock/wait?writeKey=${encodeURIComponent(key)}&count=${count}&timeout_ms=${timeoutMs}&limit=10000`);
}

// Polls the deliveries of key until pred holds (or timeoutMs passes); returns the last answer.
async function waitDeliveries(base, key, pred, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  let last = await deliveries(base, key);
  while (!last.error && !pred(last) && Date.now() < deadline) {
    await sleep(50);
    last = await deliveries(base, key);
  }
  return last;
}

// Compact forms for failure messages.
const brief = (reqs) =>
  JSON.stringify(
    reqs.map((r) => ({
      id: r.id,
      at: r.received_at,
      status: r.status,
      reason: r.reason,
      fault: r.fault,
      messages: r.message_count,
      retry: r.headers && (r.headers['X-Retry-Count'] ?? r.headers['x-retry-count']),
    })),
  );
const briefDeliveries = (d) =>
  JSON.stringify({
    ...(d && d.error ? { error: d.error } : {}),
    summary: d && d.summary,
    deliveries: ((d && d.deliveries) || []).map((x) => ({
      outcome: x.outcome,
      messages: x.message_count,
      ids: x.message_ids,
      attempts: x.attempts.map((a) => ({
        request: a.request_id,
        at: a.received_at,
        status: a.status,
        fault: a.fault,
        since_previous_ms: a.since_previous_ms,
        retry_headers: a.retry_headers,
      })),
    })),
  });

const statuses = (delivery) => delivery.attempts.map((a) => a.status);
const sameList = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// Every id in sent is stored exactly once, nothing else is stored, and nothing is a duplicate.
async function checkStoredOnce(name, base, key, sent) {
  const got = await events(base, key);
  const counts = new Map();
  for (const e of got) counts.set(e.message_id, (counts.get(e.message_id) || 0) + 1);
  const wrong = sent.filter((id) => counts.get(id) !== 1).map((id) => `${id}×${counts.get(id) || 0}`);
  const extra = got.filter((e) => !sent.includes(e.message_id)).map((e) => e.message_id);
  const dups = got.filter((e) => e.duplicate_of != null).map((e) => `${e.message_id} duplicate_of ${e.duplicate_of}`);
  check(`${name}: each of the ${sent.length} events stored exactly once`,
    got.length === sent.length && wrong.length === 0 && extra.length === 0 && dups.length === 0,
    `stored ${got.length}; not once: ${JSON.stringify(wrong)}; unexpected: ${JSON.stringify(extra)}; ` +
    `duplicates: ${JSON.stringify(dups)}; journal: ${brief(await journal(base, key))}`);
}

// ---- SDK clients ---------------------------------------------------------------------------

function rudderClient(base, key) {
  const errors = [];
  const client = new RudderAnalytics(key, {
    dataPlaneUrl: base,
    flushAt: 100,
    flushInterval: 60000, // only explicit flushes (and the SDK's own first-event flush)
    logLevel: 'none', // it logs every failed attempt at level error
    errorHandler: (err) => errors.push(err),
  });
  return { client, errors };
}

function segmentClient(base, key) {
  const errors = [];
  const client = new SegmentAnalytics({
    writeKey: key,
    host: base,
    flushAt: 100,
    flushInterval: 60000, // closeAndFlush sends the batch
    maxRetries: 3,
  });
  client.on('error', (err) => errors.push(err));
  return { client, errors };
}

const describeErrors = (errors) =>
  JSON.stringify(errors.map((e) => {
    const err = e && e.reason !== undefined ? e.reason : e;
    return `${e && e.code ? e.code + ': ' : ''}${err && err.response ? 'HTTP ' + err.response.status : String(err)}`;
  }));

function trackAll(client, prefix, n) {
  const ids = [];
  for (let i = 0; i < n; i++) {
    const messageId = `${prefix}-${i}-${randomUUID()}`;
    ids.push(messageId);
    client.track({ userId: `${prefix}-user`, event: `${prefix} Tested`, properties: { i }, messageId });
  }
  return ids;
}

// ---- scenarios -----------------------------------------------------------------------------

// The journal of key as [status, message_count] pairs, oldest first.
const shape = (reqs) => reqs.map((r) => [r.status, r.message_count]);
const retryCount = (r) => r.headers['X-Retry-Count'] ?? r.headers['x-retry-count'];

// 1. Rudder node SDK, 429 on the first 2 batches of /v1/batch. The SDK sends its very first event
//    alone at once, so the rule needs min-events=2 to hit the flushed batch of the other events.
async function rudder429(base) {
  const name = 'rudder 429×2';
  const key = 'wk-rudder-429';
  const { client, errors } = rudderClient(base, key);
  const ids = trackAll(client, 'r429', 5); // [first] alone at once, then [4] on flush
  await client.flush();
  const waited = await waitForEvents(base, key, ids.length);
  const reqs = await journal(base, key);
  check(`${name}: all events arrived`, waited.status === 200, `wait answered ${waited.status}; journal: ${brief(reqs)}`);
  check(`${name}: SDK reported no errors`, errors.length === 0, describeErrors(errors));
  await checkStoredOnce(name, base, key, ids);
  check(`${name}: journal is [200×1 event], then 429, 429, 200 for the 4-event batch`,
    sameList(shape(reqs), [[200, 1], [429, 4], [429, 4], [200, 4]]) &&
    reqs[1].fault && reqs[2].fault && reqs[0].fault === null && reqs[3].fault === null, brief(reqs));

  const d = await waitDeliveries(base, key, (x) => x.summary.deliveries >= 2 && x.summary.failed === 0);
  if (deliveriesAnswered(name, d)) {
    const detail = briefDeliveries(d);
    const batch = d.deliveries.find((x) => x.message_count === 4);
    check(`${name}: the 4-event batch is one delivery`, batch !== undefined, detail);
    if (batch) {
      check(`${name}: its attempts are 429, 429, 200`, sameList(statuses(batch), [429, 429, 200]), detail);
      check(`${name}: its outcome is delivered`, batch.outcome === 'delivered', detail);
      check(`${name}: the two 429s are the rule's, the 200 is not faulted`,
        batch.attempts.length === 3 && batch.attempts[0].fault && batch.attempts[1].fault &&
        batch.attempts[0].fault.status === 429 && batch.attempts[2].fault === null, detail);
      check(`${name}: retried after a back-off (≥ 150 ms each)`,
        batch.attempts.slice(1).every((a) => a.since_previous_ms >= 150), detail);
      check(`${name}: message_ids are the batch's`,
        sameList([...batch.message_ids].sort(), ids.slice(1).sort()), detail);
    }
    const single = d.deliveries.find((x) => x.message_count === 1);
    check(`${name}: the first event's own batch was not faulted (min-events=2)`,
      single !== undefined && sameList(statuses(single), [200]) && single.outcome === 'delivered', detail);
    check(`${name}: summary delivered ≥ 1, duplicated 0, failed 0`,
      d.summary.delivered >= 1 && d.summary.duplicated === 0 && d.summary.failed === 0, detail);
  }

  const faults = (await getJSON(base, '/_mock/faults')).body;
  const rule = faults.rules.find((r) => r.id.includes(key) && r.id.includes('429'));
  check(`${name}: GET /_mock/faults counts the rule fired 2 times, matched 3`,
    rule && rule.fired === 2 && rule.matched === 3, JSON.stringify(faults));
}

// 2 and 5. Segment, 429 with Retry-After: 1 on the first attempt.
async function segment429(base) {
  const name = 'segment 429 Retry-After 1';
  const key = 'wk-segment-429';
  const { client, errors } = segmentClient(base, key);
  const ids = trackAll(client, 's429', 3);
  await client.closeAndFlush({ timeout: 20000 });
  const waited = await waitForEvents(base, key, ids.length);
  const reqs = await journal(base, key);
  check(`${name}: all events arrived`, waited.status === 200, `wait answered ${waited.status}; journal: ${brief(reqs)}`);
  check(`${name}: SDK reported no errors`, errors.length === 0, describeErrors(errors));
  await checkStoredOnce(name, base, key, ids);
  const journalOk = check(`${name}: journal is 429 (rule seg-429), then 200`,
    sameList(shape(reqs), [[429, 3], [200, 3]]) && reqs[0].fault && reqs[0].fault.rule === 'seg-429' &&
    reqs[1].fault === null, brief(reqs));
  if (journalOk) {
    const gap = Date.parse(reqs[1].received_at) - Date.parse(reqs[0].received_at);
    check(`${name}: journal received_at ≥ 990 ms apart (${gap} ms)`, gap >= 990, brief(reqs));
    check(`${name}: honoured Retry-After, not the 60 s default (gap < 15 s)`, gap < 15000, brief(reqs));
    // 5. Segment's X-Retry-Count on the retried attempt, none on the first.
    check(`${name}: journal headers: X-Retry-Count 1 on the retry, absent on the first attempt`,
      retryCount(reqs[1]) === '1' && retryCount(reqs[0]) === undefined, brief(reqs));
  }

  const d = await waitDeliveries(base, key, (x) => x.summary.delivered >= 1);
  if (deliveriesAnswered(name, d)) {
    const detail = briefDeliveries(d);
    const one = d.deliveries.length === 1 ? d.deliveries[0] : undefined;
    check(`${name}: one delivery, attempts 429 then 200, delivered`,
      one && sameList(statuses(one), [429, 200]) && one.outcome === 'delivered' &&
      one.attempts[0].fault && one.attempts[0].fault.rule === 'seg-429', detail);
    if (one && one.attempts.length === 2) {
      const [a, b] = one.attempts;
      check(`${name}: since_previous_ms of the retry ≥ 990 (${b.since_previous_ms})`, b.since_previous_ms >= 990, detail);
      check(`${name}: retry_headers: X-Retry-Count 1 on the retry, absent on the first attempt`,
        b.retry_headers['X-Retry-Count'] === '1' && a.retry_headers['X-Retry-Count'] === undefined, detail);
    }
    check(`${name}: summary delivered 1, failed 0`, d.summary.delivered === 1 && d.summary.failed === 0, detail);
  }
}

// 3. A connection reset on the first attempt is retried by both SDKs.
async function resetRetried(base, sdk) {
  const name = `${sdk} reset`;
  const key = `wk-${sdk}-reset`;
  const rule = `${sdk}-reset`;
  const { client, errors } = sdk === 'rudder' ? rudderClient(base, key) : segmentClient(base, key);
  // Rudder flushes its first event alone: send one so there is a single delivery.
  const ids = trackAll(client, `${sdk}-reset`, sdk === 'rudder' ? 1 : 3);
  if (sdk === 'rudder') await client.flush();
  else await client.closeAndFlush({ timeout: 20000 });
  const waited = await waitForEvents(base, key, ids.length);
  const reqs = await journal(base, key);
  check(`${name}: all events arrived`, waited.status === 200, `wait answered ${waited.status}; journal: ${brief(reqs)}`);
  check(`${name}: SDK reported no errors`, errors.length === 0, describeErrors(errors));
  await checkStoredOnce(name, base, key, ids);
  check(`${name}: journal is the reset (status 0, connection "reset"), then a clean 200`,
    sameList(shape(reqs), [[0, ids.length], [200, ids.length]]) && reqs[0].fault &&
    reqs[0].fault.connection === 'reset' && reqs[0].fault.rule === rule && reqs[1].fault === null, brief(reqs));
  if (sdk === 'segment' && reqs.length === 2) {
    check(`${name}: journal headers: X-Retry-Count 1 on the retry`, retryCount(reqs[1]) === '1', brief(reqs));
  }
  const faulted = await getJSON(base, `/_mock/requests?writeKey=${key}&fault=${rule}`);
  check(`${name}: journal filter fault=${rule} finds the one reset request`,
    faulted.status === 200 && faulted.body.requests.length === 1 && faulted.body.requests[0].status === 0,
    JSON.stringify(faulted.body));

  const d = await waitDeliveries(base, key, (x) => x.summary.delivered >= 1);
  if (deliveriesAnswered(name, d)) {
    const detail = briefDeliveries(d);
    const one = d.deliveries.length === 1 ? d.deliveries[0] : undefined;
    check(`${name}: one delivery, delivered, 2 attempts`,
      one && one.outcome === 'delivered' && one.attempts.length === 2, detail);
    if (one && one.attempts.length === 2) {
      const [a, b] = one.attempts;
      check(`${name}: first attempt is the reset (status 0, fault connection "reset")`,
        a.status === 0 && a.fault && a.fault.connection === 'reset' && a.fault.rule === rule, detail);
      check(`${name}: second attempt is a clean 200`, b.status === 200 && b.fault === null, detail);
      if (sdk === 'segment') {
        check(`${name}: retry_headers: X-Retry-Count 1 on the retry`, b.retry_headers['X-Retry-Count'] === '1', detail);
      }
    }
  }
}

// 4. A 400 is not retried, by either SDK.
async function badRequestNotRetried(base) {
  const rudder = rudderClient(base, 'wk-rudder-400');
  const segment = segmentClient(base, 'wk-segment-400');
  const sent = {
    rudder: trackAll(rudder.client, 'r400', 1),
    segment: trackAll(segment.client, 's400', 2),
  };
  await rudder.client.flush();
  await segment.client.closeAndFlush({ timeout: 20000 });
  // Longer than either SDK's first retry delay (Rudder ~200 ms, Segment 1-2 s).
  await sleep(3000);
  for (const [sdk, { errors }] of [['rudder', rudder], ['segment', segment]]) {
    const name = `${sdk} 400`;
    const key = `wk-${sdk}-400`;
    const reqs = await journal(base, key);
    check(`${name}: journal has exactly 1 request, the injected 400 (not retried)`,
      reqs.length === 1 && reqs[0].status === 400 && reqs[0].fault && reqs[0].fault.status === 400, brief(reqs));
    const d = await deliveries(base, key);
    if (deliveriesAnswered(name, d)) {
      const detail = `${briefDeliveries(d)}; journal: ${brief(reqs)}`;
      const one = d.deliveries.length === 1 ? d.deliveries[0] : undefined;
      check(`${name}: one delivery, failed, exactly 1 attempt`,
        one && one.outcome === 'failed' && sameList(statuses(one), [400]) && one.attempts[0].fault &&
        one.attempts[0].fault.status === 400 && one.message_count === sent[sdk].length, detail);
      check(`${name}: summary failed 1, delivered 0`,
        d.summary.failed === 1 && d.summary.delivered === 0 && d.summary.deliveries === 1, detail);
    }
    const got = await events(base, key);
    check(`${name}: no events stored`, got.length === 0, `stored ${JSON.stringify(got.map((e) => e.message_id))}`);
    const failedIds = sdk === 'rudder'
      ? errors.filter((e) => e && e.response && e.response.status === 400).length
      : errors.filter((e) => e && e.code === 'delivery_failure').length;
    check(`${name}: the SDK reported the failure (${sent[sdk].length} event(s))`,
      failedIds === (sdk === 'rudder' ? 1 : sent[sdk].length), describeErrors(errors));
  }
}

async function main() {
  // Flag form: the rules exist from start-up.
  const flags = await startServer([
    '--fail', '429:/v1/batch:first=2:min-events=2:key=wk-rudder-429',
    '--fail', '400:first=1:key=wk-rudder-400',
    '--fail', '400:/v1/batch:first=1:key=wk-segment-400',
  ]);
  const f = (await getJSON(flags.base, '/_mock/faults')).body;
  check('--fail flags: GET /_mock/faults shows 3 active rules',
    f.active === true && f.rules.length === 3, JSON.stringify(f));

  // Plan form: set at run time.
  const planned = await startServer([]);
  const plan = {
    seed: 7,
    rules: [
      { id: 'seg-429', match: { route: '/v1/batch', write_key: 'wk-segment-429' }, trigger: { first: 1 },
        effect: { status: 429, headers: { 'Retry-After': '1' } } },
      { id: 'rudder-reset', match: { write_key: 'wk-rudder-reset' }, trigger: { first: 1 },
        effect: { connection: 'reset' } },
      { id: 'segment-reset', match: { route: '/v1/batch', write_key: 'wk-segment-reset' }, trigger: { first: 1 },
        effect: { connection: 'reset' } },
    ],
  };
  const put = await fetch(planned.base + '/_mock/faults', {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(plan),
  });
  const putBody = await put.json();
  check('PUT /_mock/faults: plan accepted with 3 rules',
    put.status === 200 && putBody.active === true && putBody.rules.length === 3, JSON.stringify(putBody));

  const scenarios = [
    ['1. rudder 429 on the first 2 batches', () => rudder429(flags.base)],
    ['2+5. segment 429 with Retry-After: 1', () => segment429(planned.base)],
    ['3a. rudder reset', () => resetRetried(planned.base, 'rudder')],
    ['3b. segment reset', () => resetRetried(planned.base, 'segment')],
    ['4. 400 not retried', () => badRequestNotRetried(flags.base)],
  ];
  for (const [title, run] of scenarios) {
    const t0 = Date.now();
    console.log(`# ${title}`);
    try {
      await run();
    } catch (err) {
      check(`${title}: ran`, false, String((err && err.stack) || err));
    }
    console.log(`# ${title}: ${Date.now() - t0} ms`);
  }

  const after = (await getJSON(planned.base, '/_mock/faults')).body;
  check('plan: every rule fired exactly once',
    after.rules.length === 3 && after.rules.every((r) => r.fired === 1), JSON.stringify(after.rules));
}

try {
  await main();
} catch (err) {
  check('run', false, String((err && err.stack) || err));
} finally {
  await stopServers();
}
console.log(`# ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
