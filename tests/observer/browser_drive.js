// browser_drive.js -- drive the observer page in headless Chromium over the
// DevTools protocol (CDP, through Node's `ws` package) for
// test_observer_browser.c. Usage:
//   node browser_drive.js CHROMIUM PAGE_URL CONTROL_URL SHOT_DIR PROFILE_DIR
// Steps, each waiting on the page's DOM (never on elapsed time alone):
//   1. the actor table shows the worker            -> observer-table.png
//   2. CONTROL_URL/spawn makes the test spawn "late-comer"; its row appears
//   3. the page's form sends type 66 "from the page" to the worker; the
//      page shows "sent to", then the worker's ack in its log pane
//   4. CONTROL_URL/crash makes the test crash the worker; the supervision
//      tree's restart count for it rises by one  -> observer-restart.png
//   5. a full-page screenshot                     -> observer.png
// Prints "OK" and exits 0, or "FAIL: why" and exits 1. Chromium runs in its
// own process group, which is killed on every way out.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');
const WebSocket = require('ws');

const [chromium, pageUrl, controlUrl, shotDir, profile] = process.argv.slice(2);
const STEP_MS = 20000; // one step's wait for the DOM (generous for sanitizer builds)
let browser = null;

function quit(code, text) {
  console.log(text);
  if (browser && browser.exitCode === null) {
    try { process.kill(-browser.pid, 'SIGKILL'); } catch (e) { /* already gone */ }
  }
  process.exit(code);
}
const budget = 100000 + 1000 * (parseInt(process.env.OBS_SHOT_POINTS || '0', 10) + 30);
setTimeout(() => quit(1, 'FAIL: the whole run took over ' + budget / 1000 + ' s'), budget).unref();
process.on('uncaughtException', (e) => quit(1, 'FAIL: ' + (e && e.stack || e)));
process.on('unhandledRejection', (e) => quit(1, 'FAIL: ' + (e && e.stack || e)));

function launch() {
  return new Promise((resolve, reject) => {
    browser = spawn(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
      '--no-first-run', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--disable-dev-shm-usage', '--remote-debugging-port=0',
      '--user-data-dir=' + profile, '--window-size=1280,1600', 'about:blank'],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    browser.stderr.on('data', (d) => {
      err += d;
      const m = /DevTools listening on (ws:\/\/[^\s]+)/.exec(err);
      if (m) resolve(m[1]);
    });
    browser.on('exit', (c) => reject(new Error('chromium exited (' + c + '): ' + err.slice(-2000))));
  });
}

// A CDP session on the page target: send(method, params) -> result.
async function attach(browserWs) {
  const ws = new WebSocket(browserWs, { perMessageDeflate: false });
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
  let next = 1;
  const waiting = new Map();
  ws.on('message', (data) => {
    const m = JSON.parse(data);
    if (m.id && waiting.has(m.id)) {
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      m.error ? w.rej(new Error(JSON.stringify(m.error))) : w.res(m.result);
    }
  });
  const call = (method, params, sessionId) => new Promise((res, rej) => {
    const id = next++;
    waiting.set(id, { res, rej });
    ws.send(JSON.stringify({ id, method, params: params || {}, sessionId }));
  });
  const { targetId } = await call('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await call('Target.attachToTarget', { targetId, flatten: true });
  return (method, params) => call(method, params, sessionId);
}

async function main() {
  const send = await attach(await launch());
  const evaluate = async (expr) => {
    const r = await send('Runtime.evaluate', { expression: expr, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error('page: ' + expr + ': ' + JSON.stringify(r.exceptionDetails));
    return r.result.value;
  };
  const waitFor = async (what, expr) => {
    const until = Date.now() + STEP_MS;
    for (;;) {
      const v = await evaluate(expr).catch(() => null);
      if (v) return v;
      if (Date.now() > until) {
        const dom = await evaluate('document.body ? document.body.innerText.slice(0, 3000) : ""').catch(() => '');
        throw new Error('timed out waiting for ' + what + '\n--- page text:\n' + dom);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const shot = async (name, full) => {
    const r = await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: !!full });
    fs.writeFileSync(path.join(shotDir, name), Buffer.from(r.data, 'base64'));
  };
  const control = async (what) => {
    const r = await fetch(controlUrl + '/' + what, { method: 'POST' });
    if (r.status !== 200) throw new Error('control ' + what + ': HTTP ' + r.status);
  };
  const row = (name) => `document.querySelector('#actors tbody tr[data-names~="${name}"]')`;
  const restarts = `(document.querySelector('[data-restarts-for="worker"]') || {}).textContent`;

  await send('Page.enable');
  await send('Runtime.enable');
  await send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 1600, deviceScaleFactor: 1, mobile: false });
  await send('Page.navigate', { url: pageUrl });
  await waitFor('the actor table with the worker', `document.body.dataset.ready === '1' && !!${row('worker')}`);
  await waitFor('the write badge', `document.getElementById('mode').textContent === 'write actions on'`);
  await shot('observer-table.png');

  await control('spawn');
  await waitFor('the row of the actor spawned by the test', `!!${row('late-comer')}`);

  await evaluate(`(() => {
    document.getElementById('send-to').value = 'worker';
    document.getElementById('send-type').value = '66';
    document.getElementById('send-text').value = 'from the page';
    document.getElementById('send-btn').click();
    return true; })()`);
  await waitFor('the send result', `document.getElementById('action-result').textContent.startsWith('sent to 0x')`);
  await waitFor("the worker's ack in the log pane", `document.getElementById('log').textContent.includes('[reply] type=67')`);

  const before = await waitFor('the restart count of the worker', restarts);
  const n0 = parseInt(before, 10);
  await control('crash');
  await waitFor('the restart count to rise', `parseInt(${restarts}, 10) === ${n0 + 1}`);
  await waitFor('the chart to have points', `(() => { const m = document.getElementById('v-rate').textContent; return m !== '–'; })()`);
  await shot('observer-restart.png');
  // OBS_SHOT_POINTS=N (for the docs' picture, not set by ctest): wait until
  // the charts have N points (one a second) before the full-page shot.
  const points = parseInt(process.env.OBS_SHOT_POINTS || '0', 10);
  if (points > 0) {
    const until = Date.now() + (points + 30) * 1000;
    while (await evaluate(`+document.getElementById('c-rate').dataset.points`) < points) {
      if (Date.now() > until) throw new Error('the charts did not reach ' + points + ' points');
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  await shot('observer.png', true);
  quit(0, 'OK restarts ' + n0 + ' -> ' + (n0 + 1));
}
main();
