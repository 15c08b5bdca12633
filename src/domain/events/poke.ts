/**
 * The wake-up sent after a write commits: NOTIFY on EVENTS_CHANNEL with the shop ids as payload.
 * Pokes made in the same tick are coalesced into one NOTIFY (each notifying commit takes a
 * cluster-wide lock in Postgres, so fewer is better). Sent after commit, never inside the write
 * transaction, so the bill's commit does not wait for it; give it a connection of its own (see
 * app.ts) so a poke never queues behind bills waiting for the pool. A lost poke costs at most one
 * aggregator sweep; correctness never depends on it.
 */
import type { Sql } from '../../db/client.ts';

export const EVENTS_CHANNEL = 'tajir_events';

export interface Poker {
  poke(shopId: number): void;
  /**
   * Also call `fn` for every poke, in this process. When the aggregator runs in the same process
   * as the API (the default single-process setup) it is woken without the NOTIFY round trip;
   * the NOTIFY still goes out for aggregators in other processes.
   */
  onLocal(fn: (shopId: number) => void): void;
  /** Resolves when pending pokes have been sent. */
  flush(): Promise<void>;
  /** Sends what is pending, then ends the connection when the poker owns it. */
  close(): Promise<void>;
}

/** `ownsSql`: close() ends `sql` (a connection made for the poker alone). Default false. */
export function createPoker(sql: Sql, onError: (err: unknown) => void = () => {}, ownsSql = false): Poker {
  let pending = new Set<number>();
  let scheduled: Promise<void> | undefined;
  const locals: ((shopId: number) => void)[] = [];

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
      for (const fn of locals) fn(shopId);
      pending.add(shopId);
      scheduled ??= Promise.resolve().then(send);
    },
    onLocal(fn) {
      locals.push(fn);
    },
    flush: () => scheduled ?? Promise.resolve(),
    async close() {
      await (scheduled ?? Promise.resolve());
      if (ownsSql) await sql.end({ timeout: 2 });
    },
  };
}
