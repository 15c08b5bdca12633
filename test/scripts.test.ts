/**
 * Every Lua script's header states its KEYS and ARGV (STYLE.md habit 6), and says the same as
 * the table the callers use (src/redis/scripts.ts SCRIPTS): a script cannot take an argument its
 * header does not name, and a header cannot promise one the callers do not pass.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { SCRIPTS, scriptSource } from '../src/redis/scripts.ts';

const indexes = (text: string, name: 'KEYS' | 'ARGV') => new Set([...text.matchAll(new RegExp(`${name}\\[(\\d+)\\]`, 'g'))].map((m) => Number(m[1])));
const upTo = (n: number) => new Set(Array.from({ length: n }, (_, i) => i + 1));

describe('Lua scripts', () => {
  it('every file under src/redis/scripts is in the table, and every table entry has a file', () => {
    const files = readdirSync(new URL('../src/redis/scripts/', import.meta.url)).filter((f) => f.endsWith('.lua')).map((f) => f.slice(0, -4)).sort();
    assert.deepEqual(files, Object.values(SCRIPTS).map((s) => s.file).sort());
  });

  for (const [name, s] of Object.entries(SCRIPTS)) {
    it(`${s.file}.lua: the header names exactly the KEYS and ARGV of the table, and the code uses no other`, () => {
      const text = scriptSource(s.file);
      const end = text.indexOf(']==]');
      assert.ok(text.startsWith('--[==[') && end > 0, `${s.file}: opens with a header block`);
      const header = text.slice(0, end);
      const code = text.slice(end);
      assert.deepEqual(indexes(header, 'KEYS'), upTo(s.keys.length), `${name}: KEYS in the header`);
      if (!('moreArgv' in s)) assert.deepEqual(indexes(header, 'ARGV'), upTo(s.argv.length), `${name}: ARGV in the header`);
      if ('moreKeys' in s) assert.match(header, new RegExp(`KEYS\\[${s.keys.length + 1} ?\\.\\.`), `${name}: the header says more KEYS follow`);
      for (const k of indexes(code, 'KEYS')) assert.ok('moreKeys' in s || k <= s.keys.length, `${name}: the code reads KEYS[${k}]`);
      for (const a of indexes(code, 'ARGV')) assert.ok('moreArgv' in s || a <= s.argv.length, `${name}: the code reads ARGV[${a}], which the header does not name`);
      assert.match(header, /Returns /, `${name}: the header says what it returns`);
    });
  }
});
