/**
 * What a NOTIFY on the events channel may carry, checked on arrival (STYLE.md habit 7): the
 * in-transaction trigger's JSON (the event itself, migration 0010), or a comma list of shop ids
 * (the older after-commit form). Anything else is a missed wake-up, never an exception in the
 * listener: the sweep and the catch-up read the same events from Postgres anyway.
 */
import { EVENT_KINDS, type EventRow } from '../domain/events/index.ts';

export type Wake = { shopId: number; event?: EventRow };
export type Parsed = { ok: true; wakes: Wake[] } | { ok: false; reason: string };

/** Longest payload read: Postgres caps NOTIFY payloads at 8000 bytes. */
const MAX_PAYLOAD = 8000;
/** Shop ids one comma list may name. */
const MAX_IDS = 1000;

const KINDS: ReadonlySet<string> = new Set(EVENT_KINDS);
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

export function parseNotifyPayload(raw: unknown): Parsed {
  if (typeof raw !== 'string' || raw.length === 0) return { ok: false, reason: 'empty' };
  if (raw.length > MAX_PAYLOAD) return { ok: false, reason: 'too long' };
  if (raw.startsWith('{')) {
    let n: unknown;
    try {
      n = JSON.parse(raw);
    } catch {
      return { ok: false, reason: 'not JSON' };
    }
    const o = n as Record<string, unknown>;
    if (!o || typeof o !== 'object' || !isId(o.shop)) return { ok: false, reason: 'no shop id' };
    // the shop is named: even when the event is malformed, its catch-up reads it from Postgres
    const eventOk = isId(o.seq) && typeof o.kind === 'string' && KINDS.has(o.kind) && Number.isSafeInteger(o.entity_id) && typeof o.payload === 'object' && o.payload !== null;
    // the payload is the row's, which appendEvent<K> typed when it was written (the trigger copies it)
    const event = eventOk ? ({ seq: o.seq, kind: o.kind, entity_id: o.entity_id, payload: o.payload } as EventRow) : undefined;
    return { ok: true, wakes: [{ shopId: o.shop, ...(event ? { event } : {}) }] };
  }
  const parts = raw.split(',');
  if (parts.length > MAX_IDS) return { ok: false, reason: 'too many shop ids' };
  const wakes: Wake[] = [];
  for (const part of parts) {
    if (!/^\d{1,16}$/.test(part.trim())) return { ok: false, reason: 'not a shop id list' };
    const id = Number(part);
    if (!isId(id)) return { ok: false, reason: 'not a shop id list' };
    wakes.push({ shopId: id });
  }
  return { ok: true, wakes };
}
