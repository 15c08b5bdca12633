/**
 * Applies a batch of one shop's events to Redis in one atomic script call (apply-events.lua).
 */
import type { Keys } from '../../redis/keys.ts';
import type { ScriptedRedis } from '../../redis/scripts.ts';
import { type EventRow, opsFor } from './ops.ts';

export type ApplyStatus = 'ok' | 'gap' | 'needs_rebuild' | 'stuck';

export interface ApplyResult {
  /** events this call applied (0 when all were duplicates) */
  applied: number;
  /** the shop's applied seq after the call (-1 when the shop needs a rebuild) */
  seq: number;
  status: ApplyStatus;
  /** status 'stuck': the seq of the event that cannot be applied (its shop applies nothing more until rebuilt) */
  stuckSeq?: number;
}

const STATUS: ApplyStatus[] = ['ok', 'gap', 'needs_rebuild', 'stuck'];

/**
 * What a batch sent to Redis can change: its events' seqs (from..to, contiguous) and every
 * aggregate key (suffix) their ops touch. A reader that knows the spans of all events after a
 * state it kept knows which keys can have moved since (the publisher's partial dashboard read).
 */
export interface BatchSpan {
  from: number;
  to: number;
  keys: ReadonlySet<string>;
}

/**
 * `sent`, when given, is called with the batch's span as soon as the script call is built, before
 * it is answered; it covers the events whose ops were made (an unreadable event ends the batch).
 */
export async function applyEvents(
  redis: ScriptedRedis,
  keys: Keys,
  shopId: number,
  events: EventRow[],
  sent?: (span: BatchSpan) => void,
): Promise<ApplyResult> {
  const shop = keys.agg(shopId);
  const keyIndex = new Map<string, number>();
  const keyList: string[] = [shop.meta, shop.registry];
  const encoded: unknown[] = [];
  // An event whose payload cannot even be turned into ops (written by an older or broken
  // writer) ends the batch; the script applies what comes before it and marks the shop stuck there.
  let unreadable: number | undefined;
  for (const e of events) {
    let ops: ReturnType<typeof opsFor>;
    try {
      ops = opsFor(e);
    } catch {
      unreadable = e.seq;
      break;
    }
    encoded.push([
      e.seq,
      ops.map((op) => {
        let i = keyIndex.get(op.key);
        if (i === undefined) {
          keyList.push(shop.full(op.key));
          i = keyList.length; // Lua KEYS are 1-based
          keyIndex.set(op.key, i);
        }
        return [op.op, i, op.field, op.value];
      }),
    ]);
  }
  const args = [JSON.stringify(encoded), ...(unreadable === undefined ? [] : [String(unreadable)])];
  const call = redis.applyEvents(keyList.length, ...keyList, ...args);
  if (sent && encoded.length) sent({ from: events[0]!.seq, to: events[encoded.length - 1]!.seq, keys: new Set(keyIndex.keys()) });
  const [applied, seq, status, stuckSeq] = await call;
  const result: ApplyResult = { applied: Number(applied), seq: Number(seq), status: STATUS[Number(status)] ?? 'needs_rebuild' };
  if (result.status === 'stuck') result.stuckSeq = Number(stuckSeq);
  return result;
}

/** The applied seq of a shop, or undefined when its aggregates are missing or being rebuilt. */
export async function appliedSeq(redis: ScriptedRedis, keys: Keys, shopId: number): Promise<number | undefined> {
  const v = await redis.hget(keys.agg(shopId).meta, 'seq');
  return v === null ? undefined : Number(v);
}
