/**
 * Turns applied events and catalogue/settings changes into Socket.IO pushes. Runs in the
 * process that applied the events (so every event is pushed once, whichever node holds the
 * sockets: the adapter carries it). Every emit targets exactly one room.
 *
 * dashboard:update is coalesced per shop: at most one per window (default 50 ms) carrying the
 * latest figures read from Redis, the parts that changed since the previous push, and the
 * latest seq; a push whose seq is not newer than the last one is dropped, so from one publisher
 * the seq a client sees never goes backwards (clients also ignore an older seq, and call
 * dashboard:sync when they see a jump).
 */
import type { CatchUpHooks } from '../domain/aggregates/catch-up.ts';
import type { EventRow } from '../domain/aggregates/ops.ts';
import type { ChangeNotifier } from '../domain/common/notifier.ts';
import { fromFils } from '../domain/common/money.ts';
import type { Dashboard } from '../domain/dashboard/build.ts';
import { type DashboardDeps, getDashboard } from '../domain/dashboard/read.ts';
import type { BillCancelledPayload, BillCreatedPayload } from '../domain/events/payloads.ts';
import type { Logger } from '../log.ts';
import { dashboardChanges, rooms } from './contracts.ts';
import type { Io } from './io.ts';

export interface Publisher extends CatchUpHooks, ChangeNotifier {
  /** Resolves when no dashboard push is pending (tests and shutdown). */
  idle(): Promise<void>;
  close(): void;
}

export interface PublisherOptions {
  /** Coalescing window of dashboard:update per shop, ms. Default 50. */
  windowMs?: number;
}

export function createPublisher(io: Io, deps: DashboardDeps & { log: Logger; metrics?: { observePush(seconds: number): void } }, opts: PublisherOptions = {}): Publisher {
  const windowMs = opts.windowMs ?? 50;
  const timers = new Map<number, NodeJS.Timeout>();
  const running = new Map<number, Promise<void>>();
  const last = new Map<number, Dashboard>();

  function schedule(shopId: number): void {
    if (timers.has(shopId)) return;
    timers.set(
      shopId,
      setTimeout(() => {
        timers.delete(shopId);
        const prev = running.get(shopId) ?? Promise.resolve();
        const run = prev.then(() => pushDashboard(shopId)).catch((err) => deps.log.warn({ err: (err as Error).message }, 'dashboard push failed'));
        running.set(shopId, run);
        void run.finally(() => {
          if (running.get(shopId) === run) running.delete(shopId);
        });
      }, windowMs),
    );
  }

  async function pushDashboard(shopId: number): Promise<void> {
    const d = await getDashboard(deps, shopId);
    const before = last.get(shopId);
    if (before && d.seq <= before.seq) return;
    const changes = dashboardChanges(before, d);
    last.set(shopId, d);
    if (last.size > 10_000) last.delete(last.keys().next().value as number);
    io.to(rooms.managers(shopId)).emit('dashboard:update', { seq: d.seq, prev_seq: before?.seq ?? null, changes });
  }

  function loyalty(shopId: number, l: NonNullable<BillCreatedPayload['loyalty'] | BillCancelledPayload['loyalty']>): void {
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
    onApplied(shopId: number, events: EventRow[]) {
      for (const e of events) {
        if (e.kind === 'bill_created') {
          const p = e.payload as BillCreatedPayload;
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
          const p = e.payload as BillCancelledPayload;
          if (p.loyalty) loyalty(shopId, p.loyalty);
        }
      }
      schedule(shopId);
    },
    onRebuilt(shopId: number) {
      schedule(shopId);
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
    async idle() {
      while (timers.size > 0 || running.size > 0) {
        await new Promise((r) => setTimeout(r, windowMs));
        await Promise.allSettled([...running.values()]);
      }
    },
    close() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}
