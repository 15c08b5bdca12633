/**
 * A preload for a service process under a bench: samples what the process allocates for a window
 * (the inspector's HeapProfiler.startSampling, objects later collected by minor and major GCs
 * included) and writes the profile as JSON. Summarise it with bench/heap-summary.ts.
 *
 *   node --import=tsx bench/realtime.ts --skip-poll \
 *     --node-flags=--import=./bench/heap-sample.mjs   (with the variables below in the environment)
 *
 * HEAP_SAMPLE_OUT    the file to write (required; each process appends .<pid>.heapprofile)
 * HEAP_SAMPLE_START  seconds after start before sampling begins (default 15: past the warm-up)
 * HEAP_SAMPLE_SECONDS how long to sample (default 8)
 * HEAP_SAMPLE_SURVIVORS=1  leave out objects a scavenge collected: what is left survived the young
 *                    generation (a scavenge's pause grows with it) or was still young at the end,
 *                    including what a major GC later collected. Run with --expose-gc too, so a
 *                    scavenge ends the window: else the last scavenge's leftovers count as survivors
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const out = process.env.HEAP_SAMPLE_OUT;
if (out) {
  const session = new Session();
  session.connect();
  const post = (method, params) => new Promise((resolve, reject) => session.post(method, params, (err, r) => (err ? reject(err) : resolve(r))));
  const start = Number(process.env.HEAP_SAMPLE_START ?? 15) * 1000;
  const seconds = Number(process.env.HEAP_SAMPLE_SECONDS ?? 8) * 1000;
  const all = process.env.HEAP_SAMPLE_SURVIVORS !== '1';
  setTimeout(async () => {
    await post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: all });
    setTimeout(async () => {
      // survivors: without a scavenge here, whatever was allocated since the last one (up to a
      // whole young generation) would count as surviving; with --expose-gc, one runs first
      if (!all && typeof globalThis.gc === 'function') globalThis.gc({ type: 'minor' });
      const { profile } = await post('HeapProfiler.stopSampling');
      writeFileSync(`${out}.${process.pid}.heapprofile`, JSON.stringify(profile));
    }, seconds).unref();
  }, start).unref();
}
