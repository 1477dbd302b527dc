// ws_peer.js -- Node `ws` peer for tests/http/test_http_ws.c.
//   node ws_peer.js server PORT           echo server with test commands
//   node ws_peer.js wss-server PORT CERT KEY   the same over TLS
//   node ws_peer.js client URL            drives our server through a script
//   node ws_peer.js burst URL N [tiny]    sends N messages at once, then closes 4002
'use strict';
const fs = require('fs');
const { WebSocket, WebSocketServer } = require('ws');

function serve(wss) {
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? null : data.toString();
      if (text === 'frag') {
        ws.send('abc', { fin: false });
        ws.send('def', { fin: false });
        ws.send('ghi', { fin: true });
      } else if (text === 'ping') {
        ws.ping('p1');
      } else if (text && text.startsWith('close:')) {
        ws.close(Number(text.slice(6)), 'bye');
      } else {
        ws.send(data, { binary: isBinary });
      }
    });
    ws.on('pong', (d) => ws.send('pong:' + d.toString()));
    ws.on('close', (code) => console.log('server saw close', code));
  });
}

const mode = process.argv[2];
if (mode === 'server') {
  serve(new WebSocketServer({ host: '127.0.0.1', port: Number(process.argv[3]), maxPayload: 64 << 20 }));
} else if (mode === 'wss-server') {
  const https = require('https');
  const srv = https.createServer({ cert: fs.readFileSync(process.argv[4]), key: fs.readFileSync(process.argv[5]) });
  serve(new WebSocketServer({ server: srv, maxPayload: 64 << 20 }));
  srv.listen(Number(process.argv[3]), '127.0.0.1');
} else if (mode === 'client') {
  const ws = new WebSocket(process.argv[3], { maxPayload: 64 << 20 });
  const big = Buffer.alloc(1 << 20);
  for (let i = 0; i < big.length; i++) big[i] = (i * 13) & 0xff;
  const bin = Buffer.from([...Array(256).keys()]);
  const steps = [
    { send: () => ws.send('hello'), check: (d, b) => !b && d.toString() === 'hello' },
    { send: () => ws.send(bin), check: (d, b) => b && d.equals(bin) },
    { send: () => ws.send(big), check: (d, b) => b && d.equals(big) },
    { send: () => { ws.send('ab', { fin: false }); ws.send('cd', { fin: false }); ws.send('ef', { fin: true }); },
      check: (d, b) => !b && d.toString() === 'abcdef' },
    { send: () => ws.send('h\u00e9llo \u{1F600}'), check: (d, b) => !b && d.toString() === 'h\u00e9llo \u{1F600}' },
  ];
  let i = 0;
  const fail = (why) => { console.log('FAIL', why); process.exit(1); };
  setTimeout(() => fail('timeout at step ' + i), 15000);
  ws.on('open', () => steps[0].send());
  ws.on('message', (d, b) => {
    if (!steps[i].check(d, b)) fail('step ' + i + ' got ' + (b ? 'binary ' + d.length : d.toString().slice(0, 40)));
    i++;
    if (i < steps.length) steps[i].send();
    else ws.ping('are you there');
  });
  ws.on('pong', (d) => {
    if (d.toString() !== 'are you there') fail('pong payload ' + d.toString());
    ws.close(4001, 'done');
  });
  ws.on('close', (code) => {
    if (code !== 4001) fail('close code ' + code);
    console.log('OK');
    process.exit(0);
  });
  ws.on('error', (e) => fail('error ' + e.message));
} else if (mode === 'burst') {
  // Message i is "m<i>:" followed by (i % 7) * 5000 'x': big enough that our
  // server has to stop reading while its actor catches up. "tiny": no 'x'.
  const ws = new WebSocket(process.argv[3]);
  const n = Number(process.argv[4]);
  const pad = process.argv[5] === 'tiny' ? 0 : 5000;
  const fail = (why) => { console.log('FAIL', why); process.exit(1); };
  setTimeout(() => fail('timeout'), 60000);
  ws.on('open', () => {
    for (let i = 0; i < n; i++) ws.send('m' + i + ':' + 'x'.repeat((i % 7) * pad));
    ws.close(4002, 'burst done');
  });
  ws.on('close', (code) => {
    if (code !== 4002) fail('close code ' + code);
    console.log('OK');
    process.exit(0);
  });
  ws.on('error', (e) => fail('error ' + e.message));
}
