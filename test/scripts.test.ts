/**
 * Every Lua script's header states its KEYS and ARGV (STYLE.md habit 6), and says the same as
 * the table the callers use (src/redis/scripts.ts SCRIPTS): a script cannot take an argument its
 * header does not name, and a header cannot promise one the callers do not pass.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { createKeys, SUFFIX } from '../src/redis/keys.ts';
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

  // Redis Cluster hashes only the part between the first "{" and the next "}" when there is one
  const hashTag = (key: string) => /\{([^}]+)\}/.exec(key)?.[1];

  it('every key of a shop carries the shop as its hash tag (one slot per script call), BullMQ its own', () => {
    const keys = createKeys('tajir:');
    const shop = keys.agg(42);
    const all = [shop.meta, shop.registry, shop.full(SUFFIX.tot), shop.full(SUFFIX.day('2026-12-01')), shop.full(SUFFIX.top('2026-12', 'pr')), keys.presence(42), keys.feed(42), keys.sockets(42, 'user:7')];
    for (const k of all) assert.equal(hashTag(k), 'shop:42', k);
    assert.notEqual(hashTag(keys.agg(43).meta), hashTag(shop.meta));
    // BullMQ's keys are `${prefix}:${queue}:...`: one tag over the prefix keeps each queue's keys in one slot
    assert.equal(hashTag(`${keys.bull()}:reports:wait`), 'tajir:bull');
  });
});
