/**
 * The wake-up sent after a write commits: NOTIFY on EVENTS_CHANNEL with the shop ids as payload.
 * Pokes made in the same tick are coalesced into one NOTIFY (each notifying commit takes a
 * cluster-wide lock in Postgres, so fewer is better). Sent after commit on the pool, never inside
 * the write transaction, so the bill's commit does not wait for it. A lost poke costs at most one
 * aggregator sweep; correctness never depends on it.
 */
import type { Sql } from '../../db/client.ts';

export const EVENTS_CHANNEL = 'tajir_events';

export interface Poker {
  poke(shopId: number): void;
  /** Resolves when pending pokes have been sent. */
  flush(): Promise<void>;
}

export function createPoker(sql: Sql, onError: (err: unknown) => void = () => {}): Poker {
  let pending = new Set<number>();
  let scheduled: Promise<void> | undefined;

  async function send(): Promise<void> {
    const ids = [...pending];
    pending = new Set();
    scheduled = undefined;
    if (ids.length === 0) return;
    try {
      // NOTIFY payloads are limited to 8000 bytes; chunk large fan-outs.
      for (let i = 0; i < ids.length; i += 500) {
        await sql`select pg_notify(${EVENTS_CHANNEL}, ${ids.slice(i, i + 500).join(',')})`;
      }
    } catch (err) {
      onError(err);
    }
  }

  return {
    poke(shopId) {
      pending.add(shopId);
      scheduled ??= Promise.resolve().then(send);
    },
    flush: () => scheduled ?? Promise.resolve(),
  };
}
