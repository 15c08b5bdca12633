/**
 * One process of manager sockets for bench/realtime.ts (started by it with `fork`, never alone).
 *
 * The sockets speak the Engine.IO 4 / Socket.IO 5 wire protocol directly over `ws` rather than
 * through socket.io-client: thousands of socket.io-client instances spend most of a core
 * decoding, and on a 2-core machine that CPU is taken from the server being measured. The
 * server sees exactly what socket.io-client sends with `transports: ['websocket']`:
 *   open `0{...}` → client `40{auth}` → server `40{sid}`; server ping `2` → client pong `3`;
 *   events arrive as `42[name, payload]`.
 * The sockets ask for dashboard:update's series in the 'moved' form, as the dashboard page does.
 * Only what the benchmark measures is decoded: bill:created in full, dashboard:update's seq and
 * prev_seq from the head of the frame.
 *
 * Parent → child: {url, tokens: string[] (one per socket)}, later 'report' and 'close', and
 * {reconnect: n} (bench/soak.ts): n sockets, picked at random, close and open again with their token.
 * Child → parent: {connected, failed}, then the report; {connected, failed} after a reconnect.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';

/** This process's own event-loop delay: the part of a measured latency that is the harness's. */
const loopDelay = monitorEventLoopDelay({ resolution: 1 });

interface Start {
  url: string;
  tokens: string[];
}

const latencies: number[] = [];
/** [bill id, Date.now() at receipt] pairs, flat, in the order of `latencies`: the bench matches them to commit stamps */
const receivedAt: number[] = [];
const receipts = new Map<number, number>(); // bill id → receipts in this process
let updates = 0;
/** bytes of the frames received, per event: what the fan-out costs the wire and the clients */
let updateBytes = 0;
let billBytes = 0;
/** one dashboard:update as received, for reading what an update carries */
let sampleUpdate = '';
let backwards = 0;
let gaps = 0;
const sockets: WebSocket[] = [];
/** the URL and token each socket opened with, by its index in `sockets` (for reconnects) */
const opened: { url: string; token: string }[] = [];

const UPDATE_HEAD = /^42\["dashboard:update",\{"seq":(\d+),"prev_seq":(null|\d+)/;

function open(url: string, token: string, slot?: number): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false, skipUTF8Validation: true });
    if (slot === undefined) {
      sockets.push(ws);
      opened.push({ url, token });
    } else sockets[slot] = ws;
    let lastSeq = 0;
    let settled = false;
    const done = (ok: boolean) => {
      if (!settled) {
        settled = true;
        resolve(ok);
      }
    };
    ws.on('message', (data: Buffer) => {
      const received = Date.now();
      const text = data.toString();
      const c = text.charCodeAt(0);
      if (text === '2') {
        ws.send('3');
      } else if (c === 48 /* '0': engine open */) {
        ws.send(`40${JSON.stringify({ token, series: 'moved' })}`);
      } else if (text.startsWith('40')) {
        done(true);
      } else if (text.startsWith('44')) {
        done(false);
      } else if (text.startsWith('42["bill:created"')) {
        const [, m] = JSON.parse(text.slice(2)) as [string, { bill: { id: number; created_at: string } }];
        billBytes += data.length;
        receipts.set(m.bill.id, (receipts.get(m.bill.id) ?? 0) + 1);
        latencies.push(received - Date.parse(m.bill.created_at));
        receivedAt.push(m.bill.id, received);
      } else if (text.startsWith('42["dashboard:update"')) {
        const head = UPDATE_HEAD.exec(text);
        if (!head) return;
        updates++;
        updateBytes += data.length;
        if (updates === 20) sampleUpdate = text;
        const seq = Number(head[1]);
        if (seq <= lastSeq) backwards++;
        if (head[2] !== 'null' && lastSeq !== 0 && Number(head[2]) !== lastSeq) gaps++;
        lastSeq = seq;
      }
    });
    ws.on('error', () => done(false));
    ws.on('close', () => done(false));
  });
}

// the bench died (or finished without saying so): do not linger with thousands of sockets open
process.on('disconnect', () => process.exit(0));

process.on('message', async (msg: Start | 'report' | 'close' | { reconnect: number }) => {
  if (typeof msg === 'object' && 'reconnect' in msg) {
    let connected = 0;
    let failed = 0;
    const picked = new Set<number>();
    while (picked.size < Math.min(msg.reconnect, sockets.length)) picked.add(Math.floor(Math.random() * sockets.length));
    const slots = [...picked];
    for (let i = 0; i < slots.length; i += 100) {
      const batch = await Promise.all(
        slots.slice(i, i + 100).map((slot) => {
          sockets[slot]!.close();
          return open(opened[slot]!.url, opened[slot]!.token, slot);
        }),
      );
      for (const ok of batch) ok ? connected++ : failed++;
    }
    process.send!({ connected, failed });
  } else if (msg === 'report') {
    process.send!({
      latencies,
      receivedAt,
      receipts: [...receipts],
      updates,
      updateBytes,
      billBytes,
      sampleUpdate,
      backwards,
      gaps,
      cpu: process.cpuUsage(),
      loop: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
    });
    loopDelay.reset();
    loopDelay.enable();
  } else if (msg === 'close') {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  } else {
    let connected = 0;
    let failed = 0;
    // 100 handshakes at a time: a connect storm is not what this benchmark measures
    for (let i = 0; i < msg.tokens.length; i += 100) {
      const batch = await Promise.all(msg.tokens.slice(i, i + 100).map((t) => open(msg.url, t)));
      for (const ok of batch) ok ? connected++ : failed++;
    }
    process.send!({ connected, failed });
  }
});
