/**
 * Turns applied events and catalogue/settings changes into Socket.IO pushes. Runs in the
 * process that applied the events (so every event is pushed once, whichever node holds the
 * sockets: the adapter carries it). Every emit targets exactly one room.
 *
 * dashboard:update is coalesced per shop: at most one per window (default 50 ms) carrying the
 * latest figures read from Redis, the parts that changed since the previous push, and the
 * latest seq. The first change after a quiet window is pushed at once, together with the
 * event's own messages (leading edge); changes within the window get one update when it ends
 * (trailing edge). A push whose seq is not newer than the last one is dropped, so from one
 * publisher the seq a client sees never goes backwards (clients also ignore an older seq, and
 * call dashboard:sync when they see a jump). All of a shop's messages leave in order, from one
 * promise chain per shop.
 *
 * Each read for a push is partial where it can be (dashboard/read.ts readForPush): the publisher
 * keeps the state behind the shop's last read and the spans (seqs and touched keys) of the
 * batches this process sent since, and reads only the series days and months those touched. When
 * another process applied events in between, their keys are unknown here and the read is full.
 */
import type { BatchSpan, CatchUpHooks, EventRow } from '../domain/aggregates/index.ts';
import { createCache, fromFils, type ChangeNotifier } from '../domain/common/index.ts';
import { type ChangedSince, type Dashboard, type DashboardDeps, getDashboard, type KeptRead, type PushRead, readForPush } from '../domain/dashboard/index.ts';
import type { LoyaltySnapshot } from '../domain/events/index.ts';
import type { Logger } from '../log.ts';
import { dashboardChanges, rooms, type SessionEndReason, withWholeSeries } from './contracts.ts';
import type { Io } from './io.ts';

export interface Publisher extends CatchUpHooks, ChangeNotifier {
  /**
   * Tells this process's own manager sockets each shop's current seq with a dashboard:update
   * that follows no known update (`prev_seq: null`, no changes): a socket behind it sees a jump
   * and calls dashboard:sync; one already there ignores it (API.md). Called when the adapter
   * re-subscribed after a break, since updates other nodes sent meanwhile never arrived, and a
   * shop gone quiet would otherwise stay behind until its next event.
   */
  announceLocal(): Promise<void>;
  /** Resolves when no dashboard push is pending (tests and shutdown). */
  idle(): Promise<void>;
  close(): void;
}

export interface PublisherOptions {
  /** Coalescing window of dashboard:update per shop, ms. Default 50. */
  windowMs?: number;
}

/** At most this many batch spans are kept per shop; past it the oldest go, and the next read is full. */
const SPANS = 64;

export function createPublisher(
  io: Io,
  deps: DashboardDeps & { log: Logger; metrics?: { observePush(seconds: number): void; dashboardRead(read: 'partial' | 'full'): void } },
  opts: PublisherOptions = {},
): Publisher {
  const windowMs = opts.windowMs ?? 50;
  /** Trailing-edge pushes waiting for their window. */
  const timers = new Map<number, NodeJS.Timeout>();
  /** Per shop, the tail of its chain of pushes: a shop's messages leave in the order they were made. */
  const running = new Map<number, Promise<void>>();
  /** When each shop's last dashboard:update left (performance.now()), for the busiest 10,000 shops. */
  const pushedAt = createCache<number, number>({ max: 10_000 });
  /** The last dashboard this process pushed per shop: the base of the next update's `changes`. */
  const last = createCache<number, Dashboard>({ max: 10_000 });
  /** Dashboard reads started while the events they follow were being applied (onApplySent). */
  const prefetched = new Map<number, Promise<Dashboard>>();
  /** The state behind each shop's last read for a push: the base of the next partial read. */
  const kept = createCache<number, KeptRead>({ max: 2000 });
  /**
   * Per shop with a kept read, the spans of the batches this process sent after it, by `from`.
   * Bounded like `kept` (at most SPANS each): a shop without a kept read reads in full anyway.
   */
  const spans = createCache<number, BatchSpan[]>({ max: 2000 });

  function recordSpan(shopId: number, span: BatchSpan): void {
    if (!kept.has(shopId)) return;
    const list = spans.get(shopId) ?? [];
    if (list.length === 0) spans.set(shopId, list);
    list.push(span);
    if (list.length > 1 && list.at(-2)!.from > span.from) list.sort((x, y) => x.from - y.from);
    if (list.length > SPANS) list.shift();
  }

  /** What changed since the kept read, as far as this process's spans cover it without a hole. */
  function changedSince(shopId: number): ChangedSince | undefined {
    const base = kept.get(shopId);
    if (!base) return undefined;
    let through = base.seq;
    const keys = new Set<string>();
    for (const s of spans.get(shopId) ?? []) {
      if (s.to <= base.seq) continue;
      if (s.from > through + 1) break;
      for (const k of s.keys) keys.add(k);
      if (s.to > through) through = s.to;
    }
    return { kept: base, through, keys };
  }

  /** A fresh read for a push, partial where the kept state and spans allow. */
  function read(shopId: number): Promise<Dashboard> {
    return readForPush(deps, shopId, changedSince(shopId)).then((r) => {
      remember(shopId, r);
      return r.dashboard;
    });
  }

  function remember(shopId: number, r: PushRead): void {
    deps.metrics?.dashboardRead(r.partial ? 'partial' : 'full');
    if (!r.kept) {
      kept.delete(shopId);
      return;
    }
    const before = kept.get(shopId);
    // a read that finished after a newer one keeps the newer base (either is exact; the newer reads less)
    if (before && before.seq > r.kept.seq && before.rebuiltAt === r.kept.rebuiltAt) return;
    kept.set(shopId, r.kept);
    const list = spans.get(shopId);
    if (list) {
      const left = list.filter((s) => s.to > r.kept!.seq);
      if (left.length) spans.set(shopId, left);
      else spans.delete(shopId);
    }
  }

  function enqueue(shopId: number, step: () => Promise<void> | void): void {
    const prev = running.get(shopId) ?? Promise.resolve();
    const run = prev.then(step).catch((err) => deps.log.warn({ err: (err as Error).message }, 'push failed'));
    running.set(shopId, run);
    void run.finally(() => {
      if (running.get(shopId) === run) running.delete(shopId);
    });
  }

  function scheduleTrailing(shopId: number): void {
    if (timers.has(shopId)) return;
    const wait = Math.max(0, (pushedAt.get(shopId) ?? 0) + windowMs - performance.now());
    timers.set(
      shopId,
      setTimeout(() => {
        timers.delete(shopId);
        enqueue(shopId, async () => {
          prefetched.delete(shopId);
          const d = await readNewer(shopId);
          const prev = d ? await claim(shopId, d) : false;
          if (d && prev !== false) emitDashboard(shopId, d, prev);
        });
      }, wait),
    );
  }

  const isLeading = (shopId: number) => !timers.has(shopId) && performance.now() - (pushedAt.get(shopId) ?? Number.NEGATIVE_INFINITY) >= windowMs;

  /**
   * The shop's dashboard when it is newer than the last one pushed. `atLeast`: the seq just
   * applied; a prefetched read that saw less (its command overtook the apply, e.g. after a
   * NOSCRIPT retry) is read again.
   */
  async function readNewer(shopId: number, atLeast = 0): Promise<Dashboard | undefined> {
    const early = prefetched.get(shopId);
    prefetched.delete(shopId);
    let d = early ? await early.catch(() => undefined) : undefined;
    if (!d || d.seq < atLeast) d = await read(shopId);
    const before = last.get(shopId);
    return before && d.seq <= before.seq ? undefined : d;
  }

  /**
   * Takes the next place in the shop's chain of dashboard:updates (claim-push.lua), whichever
   * process sends them: its prev_seq is the seq of the shop's previous update, so with one
   * aggregator or many a client sees a gap only where it missed an update. Resolves with that
   * prev_seq (null when unknown), or false when an update at this seq or later went already.
   */
  async function claim(shopId: number, d: Dashboard): Promise<number | null | false> {
    const prev = await deps.redis.claimPush(deps.keys.agg(shopId).meta, String(d.seq));
    if (prev === -2) return false;
    if (prev >= 0) return prev;
    // The chain is unknown (Redis lost it, or a rebuild restarted it). This process's own last
    // update is then as good a prev_seq as any: its changes are taken against that very state, so
    // a client still on it moves to this one exactly, and any other client re-syncs. Null only
    // when this process has sent nothing newer (its first update, or seq went back).
    const own = last.get(shopId)?.seq;
    return own !== undefined && own < d.seq ? own : null;
  }

  /**
   * Sends a claimed dashboard:update. `changes` is taken against this process's last push; when
   * another process pushed in between, the client's state is not that one, so every part goes in full.
   */
  function emitDashboard(shopId: number, d: Dashboard, prev: number | null): void {
    const before = last.get(shopId);
    const changes = dashboardChanges(before && before.seq === prev ? before : undefined, d);
    last.set(shopId, d);
    pushedAt.set(shopId, performance.now());
    // one emit per form, each to the one room of the managers who asked for it (contracts.ts)
    const head = { seq: d.seq, prev_seq: prev };
    io.to(rooms.dashboard(shopId, 'moved')).emit('dashboard:update', { ...head, changes });
    io.to(rooms.dashboard(shopId, 'whole')).emit('dashboard:update', { ...head, changes: withWholeSeries(changes, d) });
  }

  /**
   * After events are applied: their messages, and the dashboard. On the leading edge of a window
   * (no update in the last windowMs) the dashboard is read first and its update leaves in the
   * same tick as the events' messages: uWebSockets.js sends what is published to a socket within
   * one loop iteration in one write, so a bill costs each manager's connection one write, not
   * two. Within the window the messages leave at once and one trailing update follows.
   */
  function pushApplied(shopId: number, seq: number, emitMessages: () => void): void {
    enqueue(shopId, async () => {
      let d: Dashboard | undefined;
      let prev: number | null | false = false;
      if (isLeading(shopId)) {
        try {
          d = await readNewer(shopId, seq);
          if (d) prev = await claim(shopId, d);
        } finally {
          emitMessages(); // whatever the read did, the events' messages go
        }
        if (d && prev !== false) emitDashboard(shopId, d, prev);
      } else {
        prefetched.delete(shopId);
        emitMessages();
        scheduleTrailing(shopId);
      }
    });
  }

  function loyalty(shopId: number, l: LoyaltySnapshot & { tier_changed: boolean }): void {
    const m = {
      customer_id: l.customer_id,
      available_points: l.available_points,
      lifetime_points: l.lifetime_points,
      tier: l.tier,
      tier_changed: l.tier_changed,
    };
    io.to(rooms.managers(shopId)).emit('loyalty:update', m);
    io.to(rooms.terminals(shopId)).emit('loyalty:update', m);
  }

  return {
    onApplySent(shopId: number, span: BatchSpan) {
      recordSpan(shopId, span);
      // the leading edge's read, sent behind the apply on the same connection: one round trip for both
      if (isLeading(shopId) && !running.has(shopId) && !prefetched.has(shopId)) {
        const early = read(shopId);
        early.catch(() => {}); // consumed (or dropped) by the push that follows
        prefetched.set(shopId, early);
      }
    },
    onApplied(shopId: number, events: EventRow[], quietThrough?: number) {
      pushApplied(shopId, events.at(-1)?.seq ?? 0, () => {
        for (const e of events) {
          // an old part of a backlog: its figures are in this push's dashboard, its messages stay out of the feed
          if (quietThrough !== undefined && e.seq <= quietThrough) continue;
          if (e.kind === 'bill_created') {
            const p = e.payload;
            deps.metrics?.observePush((Date.now() - p.created_ms) / 1000);
            io.to(rooms.managers(shopId)).emit('bill:created', {
              seq: e.seq,
              bill: {
                id: p.bill_id,
                bill_number: p.bill_number,
                total_amount: fromFils(p.total),
                status: p.status,
                employee_id: p.employee_id,
                customer_id: p.customer_id,
                created_at: new Date(p.created_ms).toISOString(),
              },
            });
            if (p.loyalty) loyalty(shopId, p.loyalty);
          } else if (e.kind === 'bill_cancelled') {
            const p = e.payload;
            if (p.loyalty) loyalty(shopId, p.loyalty);
          } else if (e.kind === 'loyalty_retiered') {
            // only the accounts that moved: a renamed tier reaches the counters as the loyalty
            // section's settings:updated, and a shop renaming a tier held by thousands of
            // customers should not send each counter thousands of messages
            for (const a of e.payload.accounts) if (a.tier_changed) loyalty(shopId, a);
          }
        }
        // recorded after they are sent: events a process applied and died before sending leave a
        // hole here, which another aggregator's sweep fills (aggregator.ts checkFeed)
        if (events.length) {
          deps.redis.markFed(deps.keys.agg(shopId).meta, deps.keys.feed(shopId), ...events.map((e) => String(e.seq))).catch(() => {});
        }
      });
    },
    onRebuilt(shopId: number, seq: number) {
      prefetched.delete(shopId);
      // the state changed under every kept read (its rebuilt_at tells too; this saves a partial try)
      kept.delete(shopId);
      spans.delete(shopId);
      pushApplied(shopId, seq, () => {});
    },
    productChanged(shopId, product) {
      io.to(rooms.terminals(shopId)).emit('product:updated', { product });
      io.to(rooms.managers(shopId)).emit('product:updated', { product });
    },
    settingsChanged(shopId, version, section, value) {
      io.to(rooms.terminals(shopId)).emit('settings:updated', { version, section, value });
      io.to(rooms.managers(shopId)).emit('settings:updated', { version, section, value });
    },
    reportProgress(shopId, userId, id, progress) {
      if (userId !== null) io.to(rooms.user(shopId, userId)).emit('report:progress', { id, progress });
    },
    reportReady(shopId, userId, id, download_url) {
      if (userId !== null) io.to(rooms.user(shopId, userId)).emit('report:ready', { id, download_url });
    },
    async announceLocal() {
      const pattern = /^shop:(\d+):dashboard:(moved|whole)$/;
      const shops = new Set<number>();
      for (const room of io.of('/').adapter.rooms.keys()) {
        const m = pattern.exec(room);
        if (m) shops.add(Number(m[1]));
      }
      for (const shopId of shops) {
        // one shop at a time: after a failover every node does this at once
        const d = await getDashboard(deps, shopId, { fresh: true }).catch(() => undefined);
        if (!d) continue;
        const message = { seq: d.seq, prev_seq: null, changes: {} };
        io.local.to(rooms.dashboard(shopId, 'moved')).emit('dashboard:update', message);
        io.local.to(rooms.dashboard(shopId, 'whole')).emit('dashboard:update', message);
      }
    },
    sessionsEnded(shopId, ended, reason) {
      const targets = 'terminal' in ended ? [rooms.terminal(shopId, ended.terminal)] : ended.sessions.map((id) => rooms.session(id));
      if (targets.length === 0) return;
      // the message and the disconnect leave over the same publish connection, in this order, so
      // every node delivers the reason before it closes the socket
      io.to(targets).emit('session:ended', { reason: reason as SessionEndReason });
      io.in(targets).disconnectSockets(true);
    },
    async idle() {
      while (timers.size > 0 || running.size > 0) {
        await new Promise((r) => setTimeout(r, windowMs));
        await Promise.allSettled([...running.values()]);
      }
    },
    close() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      prefetched.clear();
    },
  };
}
