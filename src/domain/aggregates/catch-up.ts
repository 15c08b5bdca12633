/**
 * Brings one shop's aggregates up to date with its event stream: reads `events where seq >
 * applied order by seq` in batches and applies them; rebuilds when the shop's keys are missing
 * or Redis is ahead of Postgres. Safe to run in any number of processes at once: the seq guard
 * in apply-events.lua makes each event count once, and only the caller whose script call applied
 * an event hears about it (onApplied), so pushes are not duplicated either.
 */
import type { Sql } from '../../db/client.ts';
import type { Keys } from '../../redis/keys.ts';
import type { ScriptedRedis } from '../../redis/scripts.ts';
import { type ApplyResult, appliedSeq, applyEvents, type BatchSpan } from './apply.ts';
import type { EventRow } from './ops.ts';
import { type RebuildResult, rebuildShop } from './rebuild.ts';
import { eventsAfter, FEED_BACKLOG, headSeq } from './log.ts';

/** Events read per batch. Default 500. */
export const BATCH = 500;

/**
 * The shop's aggregates stopped at an event that cannot be applied (apply-events.lua): nothing
 * more is applied for it until `aggregates rebuild --shop N`. Every other shop goes on.
 */
export class StuckShopError extends Error {
  constructor(
    readonly shopId: number,
    readonly seq: number,
  ) {
    super(`shop ${shopId}: aggregates stuck at event ${seq}; run: npm run aggregates -- rebuild --shop ${shopId}`);
    this.name = 'StuckShopError';
  }
}

export interface CatchUpHooks {
  /**
   * A batch of the shop's events has just been sent to Redis (the script call is on the wire, not
   * yet answered). A reader that sends a command now, on the same connection, is answered after
   * the batch is applied: the publisher reads the dashboard here, overlapping the two round trips.
   * `span`: the batch's seqs and the keys it touches (whether or not this call is the one that
   * applies them: another process may have).
   */
  onApplySent?(shopId: number, span: BatchSpan): void;
  /**
   * Events this process applied, in seq order, after they are in Redis. Those with seq ≤
   * `quietThrough` belong to a backlog older than its last `feedBacklog` events (log.ts
   * FEED_BACKLOG): they are marked sent, without their messages.
   */
  onApplied?(shopId: number, events: EventRow[], quietThrough?: number): void;
  /** The shop's aggregates were rebuilt from a snapshot at `seq`; clients should resync. */
  onRebuilt?(shopId: number, seq: number): void;
}

export interface CatchUpDeps {
  sql: Sql;
  redis: ScriptedRedis;
  keys: Keys;
  /**
   * Runs the shop's rebuild when the process has room for one (the aggregator bounds how many run
   * at once and picks which goes first), or answers 'busy' without running it (a process that is
   * stopping leaves it to the others). Default: at once.
   */
  rebuildSlot?: (shopId: number, rebuild: () => Promise<RebuildResult>) => Promise<RebuildResult>;
  /** How many of a backlog's newest events reach the live feed. Default FEED_BACKLOG (tests set it small). */
  feedBacklog?: number;
}

/**
 * Applies a batch of one shop's events and tells the hooks: onApplySent once the script call is
 * on the wire, onApplied with exactly the events this call applied. The one way events reach
 * Redis, from a catch-up or from a notification that carried the event.
 *
 * A `timezone_changed` among them is followed by a rebuild: every hour and payment day so far was
 * filed in the old zone, while a snapshot of Postgres files them in the new one.
 */
export async function applyBatch(
  deps: CatchUpDeps,
  shopId: number,
  events: EventRow[],
  hooks: CatchUpHooks = {},
  quietThrough?: number,
): Promise<ApplyResult> {
  const r = await applyEvents(deps.redis, deps.keys, shopId, events, hooks.onApplySent && ((span) => hooks.onApplySent!(shopId, span)));
  if (r.applied === 0) return r;
  const from = r.seq - r.applied;
  const applied = events.filter((e) => e.seq > from && e.seq <= r.seq);
  hooks.onApplied?.(shopId, applied, quietThrough);
  if (!applied.some((e) => e.kind === 'timezone_changed')) return r;
  const rebuilt = await rebuildAndHandOn(deps, shopId, hooks, r.seq);
  // busy: another process holds a rebuild claim and finishes the job
  return rebuilt.status === 'rebuilt' ? { ...r, seq: rebuilt.seq } : { ...r, status: 'needs_rebuild' };
}

/**
 * Rebuilds the shop from a snapshot. Events the snapshot includes after `pushedSeq` (the last
 * event this process pushed; every event, on the shop's first build) were never pushed: they go
 * to onApplied (only the winner of the rebuild claim gets here), then onRebuilt tells clients to
 * resync.
 *
 * Where Redis lost the shop's "fed" watermark, the rebuild sets it to `pushedSeq`, so those
 * events are a hole until onApplied's consumer marks them sent. Without it, a rebuild whose
 * finish ran in Redis while its caller gave up waiting (a 1 s timeout in the burst of rebuilds
 * after a Redis restart) handed nothing on, and the sweep, seeing the new seq, took the events
 * for pushed: their bills never reached a feed. Now the sweep sends them (aggregator.ts checkFeed).
 */
async function rebuildAndHandOn(deps: CatchUpDeps, shopId: number, hooks: CatchUpHooks, pushedSeq: number | undefined) {
  const handsOn = hooks.onApplied !== undefined;
  const feedBacklog = backlogOf(deps);
  const rebuild = () => rebuildShop(deps.sql, deps.redis, deps.keys, shopId, { fedFrom: handsOn ? pushedSeq : undefined, handsOn, feedBacklog });
  const r = await (deps.rebuildSlot ? deps.rebuildSlot(shopId, rebuild) : rebuild());
  if (r.status !== 'rebuilt') return r;
  // pushedSeq, or 0 for a shop never built before (its signup's build failed): none of its events
  // was pushed; the rebuild moved it up to the backlog's last feedBacklog events
  const from = r.fedFrom;
  if (from !== undefined && r.seq > from && hooks.onApplied) {
    const missed = await eventsAfter(deps.sql, shopId, from, feedBacklog, r.seq);
    if (missed.length) hooks.onApplied(shopId, missed);
  }
  hooks.onRebuilt?.(shopId, r.seq);
  return r;
}

const backlogOf = (deps: CatchUpDeps) => deps.feedBacklog ?? FEED_BACKLOG;

/**
 * The seq up to which a catch-up's batch is backlog the feed does without (CatchUpHooks.onApplied):
 * all but the last `feedBacklog` events before the shop's head. A batch shorter than BATCH ends
 * at the head as far as this read knows; a full one may be followed by more, so the head is read
 * (once per 500 events of a backlog, never on a live shop's few).
 */
async function quietThrough(deps: CatchUpDeps, shopId: number, events: EventRow[]): Promise<number | undefined> {
  const top = events.length < BATCH ? events.at(-1)!.seq : ((await headSeq(deps.sql, shopId)) ?? events.at(-1)!.seq);
  const through = top - backlogOf(deps);
  return through >= events[0]!.seq ? through : undefined;
}

/**
 * Returns the applied seq when done (or undefined when another process holds a rebuild).
 * `knownSeq` (the seq this process last saw applied) saves the first Redis read; it is only a
 * hint: when it is stale the script answers with the real seq (a gap or duplicates) and the loop
 * continues from there.
 */
export async function catchUpShop(
  deps: CatchUpDeps,
  shopId: number,
  hooks: CatchUpHooks = {},
  knownSeq?: number,
  pushedSeq?: number,
): Promise<number | undefined> {
  const { sql, redis, keys } = deps;
  let hint = knownSeq;
  // The last seq whose events reached the push path, by this process or another (Redis had them
  // applied): a rebuild hands on the events after it, so a bill that lands while the shop's state
  // is being rebuilt (after Redis came back empty, say) still reaches its feed, once.
  let pushed = pushedSeq ?? knownSeq;
  const saw = (seq: number) => {
    if (seq >= 0 && (pushed === undefined || seq > pushed)) pushed = seq;
  };
  for (let round = 0; round < 10_000; round++) {
    const seq = hint ?? (await appliedSeq(redis, keys, shopId));
    hint = undefined;
    if (seq === undefined) {
      const r = await rebuildAndHandOn(deps, shopId, hooks, pushed);
      if (r.status === 'rebuilt') {
        saw(r.seq);
        continue;
      }
      // another process is rebuilding (or the shop is gone): it will finish the job
      return undefined;
    }
    saw(seq);
    const events = await eventsAfter(sql, shopId, seq, BATCH);
    if (events.length === 0) {
      const head = await headSeq(sql, shopId);
      if (head !== undefined && head < seq) {
        // Redis is ahead of Postgres (e.g. the database was restored): its figures cannot be trusted.
        await redis.hdel(keys.agg(shopId).meta, 'seq');
        continue;
      }
      return seq;
    }
    const r = await applyBatch(deps, shopId, events, hooks, hooks.onApplied && (await quietThrough(deps, shopId, events)));
    if (r.status === 'stuck') throw new StuckShopError(shopId, r.stuckSeq ?? r.seq + 1);
    saw(r.seq);
    if (r.status === 'ok' && events.length < BATCH) return r.seq;
    // a gap (our start seq was stale) or a full batch: continue from what the script reported
    if (r.status !== 'needs_rebuild') hint = r.seq;
  }
  return undefined;
}
