/**
 * The terminal's outbox: every sale is written to IndexedDB first, then sent. So a sale never
 * waits on the network, and nothing sold is lost to a reload, a closed tab or a crash.
 *
 * Each queued bill keeps the exact body it will send (its `client_created_at` and `offline_ref`
 * inside) and its Idempotency-Key. Bills are sent one at a time in the order they were sold:
 * - 201: the bill is kept as synced (for reprinting with its final number) and leaves the queue;
 * - a refusal (400/403/404/409/422): kept as refused with the server's reason, for a manager to
 *   resolve; the queue moves on. Nothing is ever dropped silently;
 * - anything else (no network, a timeout, 5xx, 429): the queue stops and is retried later with
 *   the same key and body, so a bill the server committed before the answer was lost is replayed,
 *   not made twice (the server also finds it by its offline_ref past the key's 48 h).
 */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import { createTajirClient } from '../../src/client/index.ts';
import type { Answer, RequestBody } from './api.ts';

export type OutboxState = 'queued' | 'synced' | 'refused';

export interface OutboxEntry {
  /** local order of sale (IndexedDB key) */
  seq?: number;
  key: string;
  offline_ref: string;
  client_created_at: string;
  body: RequestBody<'postBills'>;
  /** the token of the cashier's PIN session at the time of sale, if any */
  session_token?: string;
  state: OutboxState;
  /** what the receipt shows besides the bill (cashier, customer's business name, change given) */
  extra: Record<string, unknown>;
  bill?: Answer<'postBills'>;
  error?: { status: number; code: string; message: string; details?: unknown };
  attempts: number;
}

interface Schema extends DBSchema {
  bills: { key: number; value: OutboxEntry; indexes: { state: OutboxState } };
  meta: { key: string; value: string | number };
}

/** Synced bills kept for reprinting. */
const KEEP_SYNCED = 100;
/** A request that takes longer is treated as lost (and retried with its key). */
const TIMEOUT_MS = 15_000;

export interface Outbox {
  /** Stores a sale; returns it with its offline_ref. */
  add(e: Omit<OutboxEntry, 'seq' | 'offline_ref' | 'state' | 'attempts' | 'key'>): Promise<OutboxEntry>;
  /** Sends what is queued, in order; resolves when the queue is empty or stopped. */
  sync(): Promise<void>;
  list(state: OutboxState): Promise<OutboxEntry[]>;
  get(seq: number): Promise<OutboxEntry | undefined>;
  /** Puts a refused bill back in the queue (after a manager changed what refused it). */
  retry(seq: number): Promise<void>;
}

export function openOutbox(opts: {
  terminalId: number;
  terminalToken: () => string | null;
  onChange: () => void;
  onServerDate: (d: Date) => void;
}): Outbox {
  const db: Promise<IDBPDatabase<Schema>> = openDB<Schema>(`tajir-outbox-${opts.terminalId}`, 1, {
    upgrade(d) {
      const bills = d.createObjectStore('bills', { keyPath: 'seq', autoIncrement: true });
      bills.createIndex('state', 'state');
      d.createObjectStore('meta');
    },
  });
  let running: Promise<void> | undefined;

  // no default token: each bill goes with the token of its time of sale
  const api = createTajirClient({ baseUrl: location.origin });

  async function send(e: OutboxEntry, token: string) {
    const r = await api.POST('/api/bills', {
      params: { header: { 'Idempotency-Key': e.key } },
      headers: { authorization: `Bearer ${token}` },
      body: e.body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const date = r.response.headers.get('date');
    if (date) opts.onServerDate(new Date(date));
    return r;
  }

  async function syncOnce(): Promise<void> {
    const d = await db;
    for (;;) {
      const [next] = await d.getAllFromIndex('bills', 'state', 'queued', 1);
      if (!next) return;
      const entry = next;
      const terminal = opts.terminalToken();
      if (!terminal) return;
      let r: Awaited<ReturnType<typeof send>>;
      try {
        r = await send(entry, entry.session_token ?? terminal);
        // the cashier's session ended since the sale: the terminal's own token sends it (the key
        // belongs to the terminal either way, so a committed first attempt is still replayed)
        if (r.response.status === 401 && entry.session_token) r = await send(entry, terminal);
      } catch {
        entry.attempts += 1;
        await d.put('bills', entry);
        return; // offline or timed out: try again later, same key
      }
      const status = r.response.status;
      entry.attempts += 1;
      if (r.data) {
        entry.state = 'synced';
        entry.bill = r.data;
        entry.error = undefined;
      } else if ([400, 403, 404, 409, 413, 422].includes(status)) {
        // a body that is not the API's envelope (a proxy's page) still refuses with the status
        const e = (r.error as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
        entry.state = 'refused';
        entry.error = { status, code: e?.code ?? 'error', message: e?.message ?? r.response.statusText, details: e?.details };
      } else {
        await d.put('bills', entry);
        return; // 401 (terminal revoked), 429, 5xx: stop, keep it queued
      }
      await d.put('bills', entry);
      opts.onChange();
    }
  }

  async function prune(): Promise<void> {
    const d = await db;
    const synced = await d.getAllKeysFromIndex('bills', 'state', 'synced');
    for (const k of synced.slice(0, Math.max(0, synced.length - KEEP_SYNCED))) await d.delete('bills', k);
  }

  return {
    async add(e) {
      const d = await db;
      const tx = d.transaction(['bills', 'meta'], 'readwrite');
      const meta = tx.objectStore('meta');
      // a random id per install: a wiped database never reuses an offline_ref the server knows
      let install = (await meta.get('install')) as string | undefined;
      if (!install) {
        install = crypto.randomUUID().slice(0, 8);
        await meta.put(install, 'install');
      }
      const n = Number((await meta.get('counter')) ?? 0) + 1;
      await meta.put(n, 'counter');
      const offline_ref = `T${opts.terminalId}-${install}-${n}`;
      const entry: OutboxEntry = {
        ...e,
        key: crypto.randomUUID(),
        offline_ref,
        body: { ...e.body, offline_ref, client_created_at: e.client_created_at },
        state: 'queued',
        attempts: 0,
      };
      entry.seq = await tx.objectStore('bills').add(entry);
      await tx.done;
      opts.onChange();
      return entry;
    },
    sync() {
      running ??= syncOnce()
        .then(prune)
        .finally(() => {
          running = undefined;
          opts.onChange();
        });
      return running;
    },
    async list(state) {
      return (await db).getAllFromIndex('bills', 'state', state);
    },
    async get(seq) {
      return (await db).get('bills', seq);
    },
    async retry(seq) {
      const d = await db;
      const e = await d.get('bills', seq);
      if (e?.state !== 'refused') return;
      e.state = 'queued';
      await d.put('bills', e);
      opts.onChange();
    },
  };
}
