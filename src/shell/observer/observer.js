// observer.js -- the live observer page (docs/observer.md). Reads the node's
// state from the SSE stream /api/events (events actors, tree, nodes, metrics,
// log, reply) and draws it with plain DOM, SVG and canvas; no library.
'use strict';

const state = { actors: [], tree: null, nodes: null, metrics: null, sortKey: 'seq', sortAsc: true,
                selected: null, write: false, prevFrames: {}, names: {} };
const $ = (id) => document.getElementById(id);
const el = (tag, props, ...kids) => {
  const e = document.createElement(tag);
  Object.assign(e, props || {});
  for (const k of kids) e.append(k);
  return e;
};

function fmtRate(v) { return v == null ? '–' : v >= 100 ? v.toFixed(0) : v.toFixed(1); }
function fmtBytes(b) {
  if (b == null) return '–';
  const u = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (b >= 1024 && i < u.length - 1) { b /= 1024; i++; }
  return b.toFixed(i ? 1 : 0) + ' ' + u[i];
}
function label(id) {
  const n = state.names[id];
  return n ? n + ' (' + id + ')' : id;
}

// ---- actor table ----------------------------------------------------------
function sortValue(a, key) {
  if (key === 'names') return (a.names[0] || '~').toLowerCase();
  const v = a[key];
  return v == null ? -1 : v;
}
function renderActors() {
  const f = $('filter').value.trim().toLowerCase();
  const rows = state.actors.filter((a) => !f ||
      [a.id, String(a.seq), a.kind, a.status, ...a.names].some((s) => s.toLowerCase().includes(f)));
  const k = state.sortKey, dir = state.sortAsc ? 1 : -1;
  rows.sort((x, y) => {
    const a = sortValue(x, k), b = sortValue(y, k);
    return (a < b ? -1 : a > b ? 1 : 0) * dir || (x.seq - y.seq);
  });
  const body = el('tbody');
  for (const a of rows) {
    const tr = el('tr');
    tr.dataset.id = a.id;
    tr.dataset.names = a.names.join(' ');
    if (a.system) tr.className = 'system';
    if (a.id === state.selected) tr.classList.add('selected');
    const share = el('td', { className: 'num' });
    if (a.cpu_share != null) {
      const bar = el('span', { className: 'bar' });
      bar.style.width = Math.round(a.cpu_share * 60) + 'px';
      share.append(bar, (a.cpu_share * 100).toFixed(1) + ' %');
    } else share.append('–');
    tr.append(el('td', { className: 'num', textContent: a.seq }),
              el('td', { textContent: a.id }),
              el('td', { textContent: a.names.join(', ') }),
              el('td', { textContent: a.kind }),
              el('td', { textContent: a.status }),
              el('td', { className: 'num', textContent: a.mailbox_used + ' / ' + a.mailbox_size }),
              el('td', { className: 'num', textContent: fmtRate(a.in_per_s) }),
              el('td', { className: 'num', textContent: fmtRate(a.out_per_s) }),
              el('td', { className: 'num in', textContent: a.msgs_in }),
              share,
              el('td', { className: 'num', textContent: a.memory_bytes == null ? '' : fmtBytes(a.memory_bytes) }),
              el('td', { textContent: a.parent ? label(a.parent) : '' }));
    tr.addEventListener('click', () => select(a));
    body.append(tr);
  }
  $('actors').replaceChild(body, $('actors').tBodies[0]);
  $('actor-count').textContent = rows.length + ' of ' + state.actors.length;
  document.querySelectorAll('#actors th').forEach((th) => {
    th.classList.toggle('sorted', th.dataset.key === k);
    th.classList.toggle('asc', th.dataset.key === k && state.sortAsc);
  });
}
function select(a) {
  state.selected = a.id;
  $('send-to').value = a.names[0] || a.id;
  renderActors();
}

// ---- supervision tree and links/monitors graph ------------------------------
function renderTree() {
  const t = state.tree;
  if (!t) return;
  const sups = {};
  for (const s of t.supervisors) sups[s.id] = s;
  const nested = new Set();
  for (const s of t.supervisors) for (const c of s.children) if (c.id && sups[c.id]) nested.add(c.id);
  const node = (s) => {
    const li = el('li');
    li.dataset.supervisor = s.id;
    li.append(el('span', { className: 'sup', textContent: 'supervisor ' + label(s.id) }),
              ' ' + s.strategy + ', max ' + s.max_restarts + ' restarts in ' + s.window_ms +
              ' ms; ',
              el('span', { className: 'restarts', textContent: s.restarts + ' restarts (' +
                           s.restarts_in_window + ' in window)' }));
    const ul = el('ul');
    for (const c of s.children) {
      if (c.id && sups[c.id]) { ul.append(node(sups[c.id])); continue; }
      const cl = el('li');
      cl.dataset.child = c.name || String(c.index);
      const r = el('span', { className: 'restarts', textContent: c.restarts + ' restarts' });
      r.dataset.restartsFor = c.name || String(c.index);
      cl.append((c.name || '#' + c.index) + ' — ' + (c.id ? c.id : 'not running') + ', ' +
                c.restart_type + ', ', r);
      ul.append(cl);
    }
    li.append(ul);
    return li;
  };
  const root = el('ul');
  for (const s of t.supervisors) if (!nested.has(s.id)) root.append(node(s));
  if (!t.supervisors.length) root.append(el('li', { textContent: 'no supervisors' }));
  $('tree').replaceChildren(root);
  renderGraph(t);
}
function renderGraph(t) {
  const svg = $('graph');
  const edges = t.links.map((l) => [l.a, l.b, 'link'])
      .concat(t.monitors.map((m) => [m.watcher, m.watched, 'monitor']));
  const ids = [...new Set(edges.flatMap((e) => [e[0], e[1]]))];
  svg.replaceChildren();
  if (!ids.length) { svg.setAttribute('height', '0'); return; }
  const ns = 'http://www.w3.org/2000/svg', w = 720, h = 60 + 28 * Math.ceil(ids.length / 2);
  svg.setAttribute('height', String(h));
  svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
  const pos = {};
  ids.forEach((id, i) => {
    const a = (2 * Math.PI * i) / ids.length;
    pos[id] = [w / 2 + (w / 2 - 140) * Math.cos(a), h / 2 + (h / 2 - 20) * Math.sin(a)];
  });
  for (const [a, b, kind] of edges) {
    const ln = document.createElementNS(ns, 'line');
    ln.setAttribute('x1', pos[a][0]); ln.setAttribute('y1', pos[a][1]);
    ln.setAttribute('x2', pos[b][0]); ln.setAttribute('y2', pos[b][1]);
    ln.setAttribute('stroke', kind === 'link' ? '#2f6fb2' : '#a45a00');
    if (kind === 'monitor') ln.setAttribute('stroke-dasharray', '5 3');
    svg.append(ln);
  }
  for (const id of ids) {
    const tx = document.createElementNS(ns, 'text');
    tx.setAttribute('x', pos[id][0]); tx.setAttribute('y', pos[id][1]);
    tx.setAttribute('text-anchor', 'middle'); tx.setAttribute('font-size', '11');
    tx.textContent = label(id);
    svg.append(tx);
  }
}

// ---- nodes ------------------------------------------------------------------
function renderNodes(intervalMs) {
  const n = state.nodes;
  if (!n) return;
  $('node').textContent = 'node ' + n.node.id + ' "' + n.node.name + '" v' + n.node.version +
      (n.node.mount_port ? ', mounts on :' + n.node.mount_port : '');
  const body = el('tbody');
  for (const p of n.peers) {
    const prev = state.prevFrames[p.node];
    const rate = prev != null && p.frames_in != null && intervalMs
        ? ((p.frames_in - prev) * 1000) / intervalMs : null;
    state.prevFrames[p.node] = p.frames_in;
    body.append(el('tr', {}, el('td', { textContent: p.node }), el('td', { textContent: p.name }),
                   el('td', { textContent: p.host + ':' + p.port }),
                   el('td', { textContent: p.connected ? 'up' : 'down' }),
                   el('td', { className: 'num', textContent: p.frames_in ?? '–' }),
                   el('td', { className: 'num', textContent: fmtRate(rate) }),
                   el('td', { className: 'num', textContent: p.names }),
                   el('td', { textContent: p.rtt_ms == null ? 'n/a' : p.rtt_ms + ' ms' })));
  }
  if (!n.peers.length) body.append(el('tr', {}, el('td', { colSpan: 8, textContent: 'no mounted peers' })));
  $('nodes').replaceChild(body, $('nodes').tBodies[0]);
}

// ---- charts -------------------------------------------------------------------
function chart(canvas, points, key, fmt) {
  const ctx = canvas.getContext('2d'), w = canvas.width, h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  canvas.dataset.points = points.length;
  if (points.length < 2) return;
  // the last 5 minutes, or the last minute while there is less to show
  const t1 = points[points.length - 1].t_ms;
  const span = Math.min(300000, Math.max(60000, t1 - points[0].t_ms));
  const t0 = t1 - span;
  let max = 0;
  for (const p of points) max = Math.max(max, p[key]);
  if (key === 'sched_util') max = 1;
  max = max || 1;
  ctx.strokeStyle = '#d9dee4';
  ctx.beginPath(); ctx.moveTo(0, h - 0.5); ctx.lineTo(w, h - 0.5); ctx.stroke();
  ctx.strokeStyle = '#2f6fb2'; ctx.lineWidth = 1.5;
  ctx.beginPath();
  points.forEach((p, i) => {
    const x = ((p.t_ms - t0) / span) * w, y = h - 4 - (p[key] / max) * (h - 16);
    i ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
  });
  ctx.stroke();
  ctx.fillStyle = '#6b7480'; ctx.font = '10px sans-serif';
  ctx.fillText(fmt(max), 4, 10);
}
function renderMetrics() {
  const m = state.metrics;
  if (!m) return;
  state.write = m.write;
  $('mode').textContent = m.write ? 'write actions on' : 'read-only';
  $('mode').className = 'badge' + (m.write ? ' write' : '');
  $('write-note').textContent = m.write ? '' : '(read-only: start the node with --observer-write)';
  for (const b of ['send-btn', 'stop-btn', 'reload-btn']) $(b).disabled = !m.write;
  $('v-rate').textContent = fmtRate(m.msgs_per_s);
  $('v-util').textContent = (m.sched_util * 100).toFixed(1) + ' %';
  $('v-rss').textContent = fmtBytes(m.rss_bytes);
  chart($('c-rate'), m.history, 'msgs_per_s', fmtRate);
  chart($('c-util'), m.history, 'sched_util', (v) => (v * 100).toFixed(0) + ' %');
  chart($('c-rss'), m.history, 'rss_bytes', fmtBytes);
}

// ---- log pane -------------------------------------------------------------------
function appendLog(text, cls) {
  const pre = $('log');
  const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  const line = el('div', { textContent: text });
  if (cls) line.className = cls;
  pre.append(line);
  while (pre.childNodes.length > 500) pre.firstChild.remove();
  if (atEnd) pre.scrollTop = pre.scrollHeight;
}

// ---- write actions ------------------------------------------------------------------
function result(text, ok) {
  $('action-result').textContent = text;
  $('action-result').className = ok ? 'ok' : 'error';
}
async function post(path, body, type) {
  const r = await fetch(path, { method: 'POST', body,
    headers: { 'Content-Type': type || 'application/x-www-form-urlencoded', 'X-Observer': '1' } });
  const j = await r.json().catch(() => ({ error: 'HTTP ' + r.status }));
  if (!r.ok) throw new Error(j.error || 'HTTP ' + r.status);
  return j;
}
$('send-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const p = new URLSearchParams({ to: $('send-to').value, type: $('send-type').value });
  const payload = $('send-text').value;
  if (payload.startsWith('x:')) p.set('hex', payload.slice(2));
  else if (payload) p.set('text', payload);
  try {
    const j = await post('/api/send', p.toString());
    result('sent to ' + j.id, true);
  } catch (e) { result('send: ' + e.message, false); }
});
$('stop-btn').addEventListener('click', async () => {
  try {
    const j = await post('/api/stop', new URLSearchParams({ to: $('send-to').value }).toString());
    result('stopped ' + j.id, true);
  } catch (e) { result('stop: ' + e.message, false); }
});
$('reload-btn').addEventListener('click', async () => {
  const f = $('reload-file').files[0];
  if (!f) { result('reload: choose a .wasm file first', false); return; }
  try {
    const q = new URLSearchParams({ to: $('send-to').value }).toString();
    const j = await post('/api/reload?' + q, await f.arrayBuffer(), 'application/wasm');
    result('reloaded ' + j.id, true);
  } catch (e) { result('reload: ' + e.message, false); }
});

// ---- the stream -------------------------------------------------------------------
document.querySelectorAll('#actors th').forEach((th) => th.addEventListener('click', () => {
  if (state.sortKey === th.dataset.key) state.sortAsc = !state.sortAsc;
  else { state.sortKey = th.dataset.key; state.sortAsc = true; }
  renderActors();
}));
$('filter').addEventListener('input', renderActors);

function connect() {
  const es = new EventSource('/api/events');
  es.onopen = () => { $('conn').textContent = 'live'; $('conn').className = 'badge on'; };
  es.onerror = () => { $('conn').textContent = 'reconnecting'; $('conn').className = 'badge off'; };
  es.addEventListener('actors', (e) => {
    const d = JSON.parse(e.data);
    state.actors = d.actors;
    state.names = {};
    for (const a of d.actors) if (a.names.length) state.names[a.id] = a.names[0];
    state.interval = d.interval_ms;
    renderActors();
    document.body.dataset.ready = '1';
  });
  es.addEventListener('tree', (e) => { state.tree = JSON.parse(e.data); renderTree(); });
  es.addEventListener('nodes', (e) => { state.nodes = JSON.parse(e.data); renderNodes(state.interval); });
  es.addEventListener('metrics', (e) => { state.metrics = JSON.parse(e.data); renderMetrics(); });
  es.addEventListener('log', (e) => { for (const l of JSON.parse(e.data).lines) appendLog(l.text); });
  es.addEventListener('reply', (e) => {
    const r = JSON.parse(e.data);
    appendLog('[reply] type=' + r.type + ' from ' + label(r.from) + ' size=' + r.size + ' ' + r.text, 'reply');
  });
}
connect();
