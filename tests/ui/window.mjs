// The window as a user meets it, under Xvfb (run by CTest when xvfb-run exists):
//  1. screenshot: `ruddermock --open` on a database captured from the fixtures selects an
//     event and saves a PNG, which must not be blank: many distinct colours, and both the
//     events table (left) and the detail pane (right) drawn.
//  2. live: window mode serves the API; an event posted appears in the table (the window's
//     title counts the events in it, read with xdotool); Ctrl+Q closes the window; the process
//     exits 0 with everything flushed (the database holds the event afterwards).
// Usage: node window.mjs /path/to/ruddermock FIXTURES_DIR [SCREENSHOT_COPY.png]
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, existsSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [binary, fixtures, keepCopy] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'ruddermock-window-'));
const env = { ...process.env, XDG_CONFIG_HOME: join(dir, 'config') };
let passed = 0;
let failed = 0;
const children = [];
function check(name, ok, detail = '') {
  if (ok) { passed++; console.log(`ok   ${name}`); } else { failed++; console.log(`FAIL ${name} ${detail}`); }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function start(args, opts = {}) {
  const child = spawn(args[0], args.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...opts });
  child.output = '';
  child.stdout.on('data', (d) => { child.output += d; });
  child.stderr.on('data', (d) => { child.output += d; });
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? 15 : 0))));
  children.push(child);
  return child;
}
async function waitFile(path, ms = 10000) {
  for (let i = 0; i < ms / 20; i++) {
    if (existsSync(path) && readFileSync(path, 'utf8').trim()) return readFileSync(path, 'utf8').trim();
    await sleep(20);
  }
  throw new Error(`${path} did not appear`);
}
async function withTimeout(promise, ms, what) {
  let timer;
  const t = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: timed out`)), ms); });
  try { return await Promise.race([promise, t]); } finally { clearTimeout(timer); }
}
async function post(port, path, body, key = 'wk-window') {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST', body, headers: { Authorization: 'Basic ' + Buffer.from(key + ':').toString('base64'), 'Content-Type': 'application/json' },
  });
  return res.status;
}
function colours(png, crop) {
  const args = crop ? [png, '-crop', crop, '+repage', '-format', '%k', 'info:'] : [png, '-format', '%k', 'info:'];
  return Number(execFileSync('convert', args, { encoding: 'utf8' }).trim());
}

async function captureFixtures(db) {
  const portFile = join(dir, 'capture.port');
  const server = start([binary, '--headless', '--port', '0', '--port-file', portFile, '--db', db]);
  const port = await waitFile(portFile);
  const routes = { 'alias.json': '/v1/alias', 'group.json': '/v1/group', 'identify.json': '/v1/identify', 'page.json': '/v1/page',
    'screen.json': '/v1/screen', 'track.json': '/v1/track', 'batch_mixed.json': '/v1/batch' };
  for (const [file, path] of Object.entries(routes)) {
    check(`capture ${file}`, (await post(port, path, readFileSync(join(fixtures, 'events', file)))) === 200);
  }
  await post(port, '/v1/track', '{"userId":"u-lint"}'); // a lint warning
  await post(port, '/v1/track', '{', 'bad-json');      // a refused request
  process.kill(server.pid, 'SIGTERM');
  check('capture server exits 0', (await server.exited) === 0, server.output);
}

async function screenshotTest() {
  const db = join(dir, 'fixture.db');
  await captureFixtures(db);
  const png = join(dir, 'shot.png');
  const ui = start(['xvfb-run', '-a', '-s', '-screen 0 1440x900x24', binary, '--open', db, '--screenshot', png]);
  const code = await withTimeout(ui.exited, 60000, 'screenshot');
  check('--open --screenshot exits 0', code === 0, ui.output);
  if (!existsSync(png)) { check('screenshot written', false, ui.output); return; }
  const all = colours(png);
  check(`screenshot has many distinct colours (${all})`, all > 200);
  const table = colours(png, '700x600+0+150');
  const detail = colours(png, '600x600+840+150');
  check(`events table drawn (${table} colours)`, table > 40);
  check(`detail pane drawn (${detail} colours)`, detail > 40);
  if (keepCopy) copyFileSync(png, keepCopy);
}

async function liveTest() {
  const db = join(dir, 'live.db');
  const portFile = join(dir, 'live.port');
  // xvfb-run runs a shell so xdotool can reach the same display.
  const script = `
    "${binary}" --port 0 --port-file "${portFile}" --db "${db}" & pid=$!
    for i in $(seq 1 500); do [ -s "${portFile}" ] && break; sleep 0.02; done
    echo "port $(cat "${portFile}")"
    # the window appears with 0 events; then the test posts one
    xdotool search --sync --name 'ruddermock.* 0 events' > /dev/null && echo "window up"
    while [ ! -e "${dir}/posted" ]; do sleep 0.05; done
    if timeout 10 xdotool search --sync --name 'ruddermock.* 1 event$' > "${dir}/wid"; then echo "event shown"; fi
    xdotool key --window "$(head -1 "${dir}/wid")" ctrl+q
    wait $pid; echo "exit $?"`;
  const run = start(['xvfb-run', '-a', '-s', '-screen 0 1280x800x24', 'bash', '-c', script]);
  const port = await waitFile(portFile);
  for (let i = 0; i < 300 && !run.output.includes('window up'); i++) await sleep(50);
  check('window opened in live mode', run.output.includes('window up'), run.output);
  check('the API answers in window mode', (await post(port, '/v1/track', '{"userId":"live","event":"Seen In Window"}')) === 200);
  execFileSync('touch', [join(dir, 'posted')]);
  await withTimeout(run.exited, 30000, 'live window');
  check('the posted event appeared in the table (window title)', run.output.includes('event shown'), run.output);
  check('closing the window exits 0', /exit 0/.test(run.output), run.output);
  check('start-up line says window', run.output.includes(', window)'), run.output);
  // Everything flushed: a new server on the same file has the event.
  const portFile2 = join(dir, 'after.port');
  const after = start([binary, '--headless', '--port', '0', '--port-file', portFile2, '--db', db]);
  const port2 = await waitFile(portFile2);
  const events = await (await fetch(`http://127.0.0.1:${port2}/_mock/events?event=Seen%20In%20Window`)).json();
  check('the event survived the window closing', events.events.length === 1, JSON.stringify(events));
  process.kill(after.pid, 'SIGTERM');
  await after.exited;
}

async function noDisplayTest() {
  const noDisplay = { ...env };
  delete noDisplay.DISPLAY;
  delete noDisplay.WAYLAND_DISPLAY;
  const open = start([binary, '--open', join(dir, 'fixture.db')], { env: noDisplay });
  const code = await withTimeout(open.exited, 10000, '--open without display');
  check('--open without a display exits 2 naming the display and --headless',
    code === 2 && /display/i.test(open.output) && open.output.includes('--headless'), open.output);
  const portFile = join(dir, 'nodisplay.port');
  const plain = start([binary, '--port', '0', '--port-file', portFile, '--db', ':memory:'], { env: noDisplay });
  await waitFile(portFile);
  await sleep(100);
  check('plain ruddermock without a display runs headless and says so', /headless: no display/.test(plain.output), plain.output);
  process.kill(plain.pid, 'SIGTERM');
  check('and exits 0 on SIGTERM', (await plain.exited) === 0);
}

try {
  await screenshotTest();
  await liveTest();
  await noDisplayTest();
} catch (e) {
  check('no exception', false, e.stack);
} finally {
  for (const c of children) { try { process.kill(-c.pid, 'SIGKILL'); } catch {} }
  rmSync(dir, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
