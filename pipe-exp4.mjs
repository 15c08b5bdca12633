import { Redis } from 'ioredis';
const mode = process.env.MODE;
const r = new Redis({ db: 9 });
let junk = 0; const t0 = Date.now();
while (Date.now() - t0 < 4000) {
  const p = r.pipeline(); for (let i = 0; i < 20; i++) p.get('k' + i), p.get('x');
  if (mode === 'nocb') { await new Promise((res) => { p.exec(); setTimeout(res, 1); }); }
  else await p.exec();
  if (mode === 'clear') { p._queue.length = 0; p._result.length = 0; }
  await new Promise((r) => setImmediate(r));
  for (let i = 0; i < 2000; i++) junk += JSON.stringify({ a: i, b: [i, i] }).length;
}
r.disconnect();
