/**
 * The events table accepts exactly the kinds of the event map (src/domain/events/payloads.ts):
 * the migration's list of kinds and the code's cannot drift apart.
 */
import assert from 'node:assert/strict';
import { EVENT_KINDS } from '../src/domain/events/append.ts';
import { env } from './support/env.ts';

describe('event kinds', () => {
  it("the events table's check constraint allows exactly the kinds the code knows", async () => {
    const [c] = await env().sql<{ def: string }[]>`
      select pg_get_constraintdef(oid) as def from pg_constraint where conrelid = 'events'::regclass and conname = 'events_kind_check'`;
    const inSql = [...c!.def.matchAll(/'([a-z_]+)'::text/g)].map((m) => m[1]).sort();
    assert.deepEqual(inSql, [...EVENT_KINDS].sort());
  });
});
