/**
 * Summarises a sampled heap profile (bench/heap-sample.mjs): the bytes allocated by each function
 * (self) and under each source file of this project (callees included), largest first.
 *
 *   node --import=tsx bench/heap-summary.ts FILE.heapprofile [--top 25]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Node {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: Node[];
}

const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' } }, allowPositionals: true });
const top = Number(values.top);
const root = (JSON.parse(readFileSync(positionals[0]!, 'utf8')) as { head: Node }).head;

const self = new Map<string, number>();
const byFile = new Map<string, number>();
let total = 0;
const short = (url: string) => url.replace(/^file:\/\/.*?\/(src|node_modules|bench|test)\//, '$1/');
// Each sample's bytes count once for every distinct project file on its stack (callees included).
function walk(n: Node, files: string[]): void {
  const url = short(n.callFrame.url);
  const here = url.startsWith('src/') && !files.includes(url) ? [...files, url] : files;
  if (n.selfSize) {
    total += n.selfSize;
    const name = `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
    self.set(name, (self.get(name) ?? 0) + n.selfSize);
    for (const f of here) byFile.set(f, (byFile.get(f) ?? 0) + n.selfSize);
  }
  for (const c of n.children) walk(c, here);
}
walk(root, []);

const mb = (b: number) => (b / 1e6).toFixed(1).padStart(7);
const pct = (b: number) => `${((100 * b) / total).toFixed(0).padStart(3)}%`;
console.log(`${mb(total)} MB sampled in all`);
console.log('\nby project file, callees included:');
for (const [k, v] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${mb(v)} MB ${pct(v)}  ${k}`);
console.log('\nby function, self:');
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${mb(v)} MB ${pct(v)}  ${k}`);
