import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every .ts file under a folder. */
function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

// The import rules (layers, cycles, section index.ts) are dependency-cruiser's (`npm run layers`);
// this holds what an import graph cannot show.
describe('code layout', () => {
  it('routes, realtime and workers hold no SQL: it lives in the sections', () => {
    const sqlTemplate = /\b(sql|tx)(<[^`]*>)?`|\.unsafe\(/;
    const offenders = ['src/rest', 'src/realtime', 'src/workers']
      .flatMap(tsFiles)
      .filter((f) => sqlTemplate.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders, []);
  });

  it('every domain section exposes an index.ts', () => {
    const sections = readdirSync('src/domain').filter((d) => statSync(join('src/domain', d)).isDirectory());
    assert.deepEqual(sections.filter((s) => !tsFiles(join('src/domain', s)).includes(join('src/domain', s, 'index.ts'))), []);
  });
});
