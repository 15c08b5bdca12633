/**
 * The aggregator role: keeps every shop's Redis aggregates equal to its Postgres event stream.
 *
 * Correctness never depends on NOTIFY. NOTIFY is a wake-up: its payload is shop ids, or (from
 * the in-transaction trigger) the event itself, which is applied directly when it is exactly the
 * next one this process expects. Otherwise the work is "catch up from Postgres", which runs
 *  - on start and on every (re)connect of the listener (notifications sent while it was away are lost),
 *  - on every notification,
 *  - in a periodic sweep comparing each shop's counter with Redis, so a lost wake-up costs at
 *    most one sweep interval. The sweep also copies each shop's live-feed watermark to Postgres,
 *    where a rebuild finds it when Redis and this process's memory were lost together.
 * Each shop has at most one catch-up running in this process; a wake-up during a run schedules
 * one more run after it.
 *
 * The listener is pg-listen (on the `pg` driver) with retryTimeout 0 and retryLimit Infinity,
 * i.e. it reconnects forever; its 'connected' event (first connect and every reconnect) triggers
 * a full catch-up.
 */
import * as pgListenModule from 'pg-listen';
import type { Subscriber } from 'pg-listen';
import { userInfo } from 'node:os';
import PQueue from 'p-queue';
import type { Sql } from '../db/client.ts';
import { applyBatch, catchUpShop, eventsAfter, FEED_BACKLOG, isShop, recordFeedMarks, shopCounters, StuckShopError, type CatchUpDeps, type CatchUpHooks, type EventRow, type RebuildResult } from '../domain/aggregates/index.ts';
import { createCache } from '../domain/common/index.ts';
import { EVENTS_CHANNEL } from '../domain/events/index.ts';
import type { Logger } from '../log.ts';
import { isCluster } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import type { ScriptedRedis } from '../redis/scripts.ts';
import { parseNotifyPayload } from './notify-payload.ts';

// pg-listen is CommonJS; under NodeNext its factory is on .default
type CreateSubscriber = (typeof import('pg-listen'))['default'];
const createSubscriber = ((pgListenModule as unknown as { default: { default?: CreateSubscriber } }).default.default ??
  (pgListenModule as unknown as { default: CreateSubscriber }).default) as CreateSubscriber;

/** Carried events kept per busy shop; past it the rest are read from Postgres by the catch-up. */
const MAX_CARRIED = 500;

export interface AggregatorOptions {
  /** Where LISTEN connects: a direct connection (DATABASE_LISTEN_URL), never a transaction pooler. */
  databaseUrl: string;
  sql: Sql;
  redis: ScriptedRedis;
  keys: Keys;
  log: Logger;
  /** Sweep interval in ms. Default 2000. */
  sweepMs?: number;
  /**
   * How long a shop's feed may stay stopped at a hole (events applied, never sent: the process
   * that applied them died) before this process sends them, ms. Default 6000: longer than a live
   * process's pause, so a slow sender is not doubled.
   */
  feedTakeoverMs?: number;
  hooks?: CatchUpHooks;
  /** How many of a backlog's newest events reach the live feed (domain/aggregates/log.ts). Default FEED_BACKLOG; tests set it small. */
  feedBacklog?: number;
  /**
   * Rebuilds this process runs at once. Default 2, half the aggregator's pool: after Redis comes
   * back empty every shop needs one, and all of them at once held a claim each while they queued
   * for a connection, timed out on Redis behind one another, and left live catch-ups no connection.
   * The rest wait, selling shops first (`rebuildQueue` below).
   */
  rebuildConcurrency?: number;
  /** Where the count of stuck shops (tajir_aggregates_stuck_shops) and each sweep's figures are reported. */
  metrics?: { setStuckShops(count: number): void; observeSweep?(figures: { committed: number; applied: number; behindShops: number }): void };
}

export interface Aggregator {
  /** Resolves once the listener is connected and the first full catch-up has run. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Schedules a catch-up of one shop (also what a notification does). */
  wake(shopId: number): void;
  /** Runs a catch-up of every shop now and waits for it. */
  catchUpAll(): Promise<void>;
  /** Resolves when no catch-up is running or scheduled. */
  idle(): Promise<void>;
}

export function createAggregator(opts: AggregatorOptions): Aggregator {
  const { sql, redis, keys, log } = opts;
  const rebuilds = rebuildQueue(opts.rebuildConcurrency ?? 2, () => stopped);
  const feedBacklog = opts.feedBacklog ?? FEED_BACKLOG;
  const catchUpDeps: CatchUpDeps = { sql, redis, keys, rebuildSlot: rebuilds.run, feedBacklog };
  const running = new Map<number, Promise<void>>();
  /** Last applied seq seen per shop: a hint that saves a Redis read per catch-up (an evicted one costs that read). */
  const known = createCache<number, number>({ max: 100_000 });
  /**
   * Highest applied seq ever seen per shop (applied means pushed, by whichever process applied
   * it). Unlike `known` it survives errors and lost Redis state: after Redis comes back empty,
   * the rebuild hands the events after it to the push path, so no bill misses its feed. Not a
   * cache (forgetting an entry could lose a feed): one number per shop, like `shops`.
   */
  const pushed = new Map<number, number>();
  const sawPushed = (shopId: number, seq: number | undefined) => {
    if (seq !== undefined && seq >= 0 && seq > (pushed.get(shopId) ?? -1)) pushed.set(shopId, seq);
  };
  const again = new Set<number>();
  /**
   * Events that notifications carried while the shop's run was busy. The run applies them as one
   * batch when they follow on exactly from what it applied, instead of reading them back from
   * Postgres: at a few bills a second per shop, wake-ups overlap a run all the time, and every
   * overlap costing a read on the aggregator's small pool made the runs slower, so more overlapped
   * (issue 20 measured bill:created leaving 250-500 ms after the NOTIFY, the process a third busy).
   * A gap, a duplicate or an overflow falls back to the catch-up, as before.
   */
  const carriedWhileBusy = new Map<number, EventRow[]>();
  /** Shops that dropped carried events past MAX_CARRIED since their last takeCarried. */
  const overflowed = new Set<number>();
  /** Shops stuck at an event that cannot be applied (seq), as this process last saw them. */
  const stuck = new Map<number, number>();
  /** The "fed" mark this process last copied to Postgres per shop (one number per shop, like `shops`). */
  const markedFed = new Map<number, number>();
  /** Shops whose feed stopped before their applied seq: the "fed" seen, and since when. */
  const feedStopped = new Map<number, { fed: string; since: number }>();
  /** Shops that have a counter row: a NOTIFY naming any other shop is ignored. Refreshed by the sweep. */
  const shops = new Set<number>();
  let stopped = false;
  let sweepTimer: NodeJS.Timeout | undefined;

  let subscriber: Subscriber | undefined;

  /**
   * A pg-listen subscriber whose first connect failed cannot be connected again, so each first
   * attempt gets a fresh one; after that pg-listen reconnects by itself.
   */
  function makeSubscriber(): Subscriber {
    const url = new URL(opts.databaseUrl);
    const sub: Subscriber = createSubscriber(
      {
        host: url.hostname,
        port: Number(url.port || 5432),
        database: decodeURIComponent(url.pathname.slice(1)) || undefined,
        // pg, unlike postgres.js, does not fall back to the OS user when the URL names none
        user: decodeURIComponent(url.username) || userInfo().username,
        password: url.password ? decodeURIComponent(url.password) : undefined,
        application_name: 'tajir-listener',
      },
      {
        retryTimeout: 0,
        retryLimit: Number.POSITIVE_INFINITY,
        retryInterval: (n: number) => Math.min(100 * 2 ** n, 2000),
        paranoidChecking: 5_000,
        parse: (s: string) => s,
      },
    );
    sub.events.on('error', (err: Error) => log.error({ err: err.message }, 'listener error'));
    sub.events.on('reconnect', (attempt: number) => log.warn({ attempt }, 'listener reconnecting'));
    sub.events.on('connected', () => {
      // notifications sent while we were away are lost: catch up everything
      void catchUpAll().catch((err) => log.error({ err: (err as Error).message }, 'catch-up after connect failed'));
    });
    sub.notifications.on(EVENTS_CHANNEL, (payload: unknown) => {
      // a bad payload is a missed wake-up at worst: the sweep reads the same events from Postgres
      const parsed = parseNotifyPayload(payload);
      if (!parsed.ok) {
        log.warn({ reason: parsed.reason }, 'ignored a malformed NOTIFY payload');
        return;
      }
      for (const w of parsed.wakes) {
        rebuilds.selling(w.shopId);
        if (shops.has(w.shopId)) wake(w.shopId, w.event);
        else void wakeIfShop(w.shopId);
      }
    });
    return sub;
  }

  /**
   * Schedules a catch-up of the shop. `carried` is the event a notification carried: when it is
   * the very next one this process expects, it is applied as is, without reading Postgres (the
   * script's seq guard keeps that exactly-once whatever other aggregators do); anything else —
   * a gap, a duplicate, a shop being rebuilt — falls back to the catch-up.
   */
  function wake(shopId: number, carried?: EventRow): void {
    if (stopped || stuck.has(shopId)) return;
    if (running.has(shopId)) {
      again.add(shopId);
      if (carried) {
        const q = carriedWhileBusy.get(shopId) ?? [];
        // past the bound the event is left to the catch-up (takeCarried sees the gap it leaves)
        if (q.length < MAX_CARRIED) q.push(carried);
        else overflowed.add(shopId);
        carriedWhileBusy.set(shopId, q);
      }
      return;
    }
    const run = (async () => {
      let batch = carried !== undefined && known.get(shopId) === carried.seq - 1 ? [carried] : undefined;
      do {
        again.delete(shopId);
        try {
          if (batch) {
            const events = batch;
            batch = undefined;
            const r = await applyBatch(catchUpDeps, shopId, events, opts.hooks);
            sawPushed(shopId, r.seq);
            if (r.status === 'ok') {
              known.set(shopId, r.seq);
              batch = takeCarried(shopId);
              continue;
            }
            known.delete(shopId);
          }
          const seq = await catchUpShop(catchUpDeps, shopId, opts.hooks, known.get(shopId), pushed.get(shopId));
          sawPushed(shopId, seq);
          if (seq === undefined) known.delete(shopId);
          else known.set(shopId, seq);
          batch = takeCarried(shopId);
        } catch (err) {
          known.delete(shopId);
          carriedWhileBusy.delete(shopId);
          overflowed.delete(shopId);
          if (err instanceof StuckShopError) markStuck(err);
          else log.error({ shopId, err: (err as Error).message }, 'catch-up failed; the sweep will retry');
          break;
        }
      } while ((batch || again.has(shopId)) && !stopped);
    })();
    running.set(shopId, run);
    void run.finally(() => running.delete(shopId));
  }

  /**
   * The events carried while the shop's run was busy that follow on exactly from the seq this
   * process applied, in seq order; undefined when none do. Any it cannot use (after a gap) leave
   * the shop marked for one more catch-up, which reads them from Postgres.
   */
  function takeCarried(shopId: number): EventRow[] | undefined {
    const q = carriedWhileBusy.get(shopId);
    carriedWhileBusy.delete(shopId);
    // dropped events sit after the kept ones, where the wake-up that marked the shop was cleared
    // by the loop's next turn: mark it again, so a catch-up follows the batch
    if (overflowed.delete(shopId)) again.add(shopId);
    const from = known.get(shopId);
    if (!q || from === undefined) return undefined;
    q.sort((a, b) => a.seq - b.seq);
    const out: EventRow[] = [];
    let next = from + 1;
    for (const e of q) {
      if (e.seq < next) continue; // applied already (by the catch-up that read it, say)
      if (e.seq !== next) {
        again.add(shopId);
        break;
      }
      out.push(e);
      next++;
    }
    return out.length ? out : undefined;
  }

  /** A shop signed up since the last sweep is woken; an id that is no shop is only logged. */
  async function wakeIfShop(shopId: number): Promise<void> {
    try {
      if (!(await isShop(sql, shopId))) {
        log.warn({ shopId }, 'ignored a NOTIFY naming no shop');
        return;
      }
      shops.add(shopId);
      wake(shopId);
    } catch (err) {
      log.warn({ shopId, err: (err as Error).message }, 'could not check the shop of a NOTIFY; the sweep will catch up');
    }
  }

  function markStuck(err: StuckShopError): void {
    if (stuck.get(err.shopId) !== err.seq) log.error({ shopId: err.shopId, seq: err.seq }, err.message);
    stuck.set(err.shopId, err.seq);
    opts.metrics?.setStuckShops(stuck.size);
  }

  /**
   * Every shop's seq, stuck mark and fed watermark. One pipeline on a single Redis; on a cluster a
   * pipeline must stay in one slot, so each shop is its own command there (one write per node, client.ts batchWrites).
   */
  async function readMetas(shopIds: number[]): Promise<(string | null)[][]> {
    if (isCluster(redis)) return Promise.all(shopIds.map((id) => redis.hmget(keys.agg(id).meta, 'seq', 'stuck', 'fed')));
    const pipe = redis.pipeline();
    for (const id of shopIds) pipe.hmget(keys.agg(id).meta, 'seq', 'stuck', 'fed');
    return ((await pipe.exec()) ?? []).map(([, v]) => (v ?? [null, null, null]) as (string | null)[]);
  }

  /** Wakes every shop whose Redis seq differs from its Postgres counter (except stuck ones). */
  async function sweep(): Promise<void> {
    const counters = await shopCounters(sql);
    for (const c of counters) shops.add(c.shop_id);
    if (counters.length === 0) {
      opts.metrics?.observeSweep?.({ committed: 0, applied: 0, behindShops: 0 });
      return;
    }
    const metas = await readMetas(counters.map((c) => c.shop_id));
    const figures = { committed: 0, applied: 0, behindShops: 0 };
    const marks: { shopId: number; fed: number }[] = [];
    counters.forEach((c, i) => {
      const [v, stuckAt, fed] = (metas[i] ?? [null, null, null]) as (string | null)[];
      figures.committed += c.event_seq;
      figures.applied += v == null ? 0 : Number(v);
      if (v == null ? c.event_seq > 0 : Number(v) < c.event_seq) figures.behindShops++;
      if (v != null && fed != null) checkFeed(c.shop_id, Number(v), fed);
      // a mark past Postgres's seq (Redis ahead of a restored database) says nothing about these events
      if (fed != null && Number(fed) <= c.event_seq && Number(fed) > (markedFed.get(c.shop_id) ?? -1)) marks.push({ shopId: c.shop_id, fed: Number(fed) });
      // stuck: woken again only by a rebuild, which clears the mark (then it flows as before)
      if (stuckAt != null) {
        if (!stuck.has(c.shop_id)) markStuck(new StuckShopError(c.shop_id, Number(stuckAt)));
        return;
      }
      if (stuck.delete(c.shop_id)) opts.metrics?.setStuckShops(stuck.size);
      if (v != null) sawPushed(c.shop_id, Number(v));
      if (v === null || v === undefined || Number(v) !== c.event_seq) {
        // Redis is not where this process thinks (its state lost, say, with no event since):
        // the catch-up must read Redis rather than trust the hint, or it never rebuilds
        if (known.get(c.shop_id) !== (v == null ? undefined : Number(v))) known.delete(c.shop_id);
        wake(c.shop_id);
      }
    });
    opts.metrics?.observeSweep?.(figures);
    await copyFeedMarks(marks);
  }

  /**
   * The marks that moved since this process last copied them go to Postgres (migration 0048), for
   * a rebuild after Redis lost its state in a process that remembers nothing. A failed write is
   * retried by the next sweep; the sweep's wake-ups above do not wait for it.
   */
  async function copyFeedMarks(marks: { shopId: number; fed: number }[]): Promise<void> {
    if (marks.length === 0) return;
    try {
      await recordFeedMarks(sql, marks);
      for (const m of marks) markedFed.set(m.shopId, m.fed);
    } catch (err) {
      log.warn({ err: (err as Error).message, shops: marks.length }, 'feed marks not copied to Postgres; the next sweep retries');
    }
  }

  /**
   * Events applied but never sent to the feed (their applier died in between, and nobody applies
   * an event twice) stop the shop's "fed" watermark (mark-fed.lua). When it has not moved for
   * feedTakeoverMs although later events were applied, one process (take-feed-hole.lua decides
   * which) sends the hole's events from Postgres, its newest `feedBacklog` at most (the rest is
   * backlog the feed does without: log.ts FEED_BACKLOG). An unknown "fed" (Redis lost its state)
   * is the rebuild's to hand on (catch-up.ts).
   */
  function checkFeed(shopId: number, seq: number, fed: string): void {
    if (Number(fed) >= seq || !opts.hooks?.onApplied) {
      feedStopped.delete(shopId);
      return;
    }
    const seen = feedStopped.get(shopId);
    if (!seen || seen.fed !== fed) {
      feedStopped.set(shopId, { fed, since: Date.now() });
      return;
    }
    if (Date.now() - seen.since < (opts.feedTakeoverMs ?? 6000)) return;
    feedStopped.delete(shopId);
    const shop = keys.agg(shopId);
    void (async () => {
      const [from, to] = await redis.takeFeedHole(shop.meta, keys.feed(shopId), fed, String(seq));
      if (from === undefined || to === undefined) return; // another process moved it first
      const events = await eventsAfter(sql, shopId, Math.max(Number(from) - 1, Number(to) - feedBacklog), feedBacklog, Number(to));
      log.warn({ shopId, from, to }, 'sending events whose applier died before sending them');
      if (events.length) opts.hooks?.onApplied?.(shopId, events);
    })().catch((err) => log.warn({ shopId, err: (err as Error).message }, 'feed hole not sent; the next sweep retries'));
  }

  async function catchUpAll(): Promise<void> {
    await sweep();
    await idle();
  }

  async function idle(): Promise<void> {
    while (running.size > 0) await Promise.allSettled([...running.values()]);
  }

  function scheduleSweep(): void {
    sweepTimer = setTimeout(async () => {
      try {
        await sweep();
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'sweep failed');
      }
      if (!stopped) scheduleSweep();
    }, opts.sweepMs ?? 2000);
    sweepTimer.unref();
  }

  return {
    async start() {
      // The first connect is not retried by pg-listen itself; retry here until Postgres answers.
      for (let attempt = 0; ; attempt++) {
        const sub = makeSubscriber();
        try {
          await sub.connect();
          await sub.listenTo(EVENTS_CHANNEL);
          subscriber = sub;
          break;
        } catch (err) {
          await sub.close().catch(() => {});
          if (stopped) return;
          log.warn({ err: (err as Error).message, attempt }, 'listener cannot connect yet');
          await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 2000)));
        }
      }
      await catchUpAll();
      scheduleSweep();
    },
    async stop() {
      stopped = true;
      if (sweepTimer) clearTimeout(sweepTimer);
      await idle();
      await subscriber?.close().catch(() => {});
    },
    wake,
    catchUpAll,
    idle,
  };
}

/**
 * Where the rebuilds of one aggregator wait: at most `concurrency` run at once, and a shop that is
 * selling goes first. After Redis comes back empty every shop of the service needs a rebuild, and
 * in the order the sweep found them the counters busy right now would wait behind every quiet shop
 * (minutes with thousands of shops) while their managers' dashboards stood still. A shop is
 * selling while NOTIFYs name it (the last minute, for the 10,000 most recent): its rebuild is
 * queued before the quiet ones, or moved there when it is already waiting. Within each class the
 * order is first come, first served. Rebuilds that would start after the aggregator stops are
 * answered 'busy' instead (the next process's sweep does them), so stopping does not wait for
 * the whole queue.
 */
export function rebuildQueue(concurrency: number, stopping: () => boolean) {
  const queue = new PQueue({ concurrency });
  const recent = createCache<number, true>({ max: 10_000, ttlMs: 60_000 });
  /** Quiet shops waiting in the queue (one rebuild at most each: a shop has one catch-up run). */
  const waitingQuiet = new Set<number>();
  const SELLING = 1;
  return {
    run(shopId: number, rebuild: () => Promise<RebuildResult>): Promise<RebuildResult> {
      const selling = recent.has(shopId);
      if (!selling) waitingQuiet.add(shopId);
      return queue.add(
        () => {
          waitingQuiet.delete(shopId);
          return stopping() ? Promise.resolve<RebuildResult>({ status: 'busy' }) : rebuild();
        },
        { id: String(shopId), priority: selling ? SELLING : 0 },
      );
    },
    /** A NOTIFY named the shop: from now its rebuild goes first (moved up when it is waiting). */
    selling(shopId: number): void {
      recent.set(shopId, true);
      if (waitingQuiet.delete(shopId)) queue.setPriority(String(shopId), SELLING);
    },
    /** Rebuilds waiting for room (tests). */
    get waiting(): number {
      return queue.size;
    },
  };
}
