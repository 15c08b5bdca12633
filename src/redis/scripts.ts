/**
 * The Lua scripts under src/redis/scripts, loaded once and run with EVALSHA (ioredis
 * defineCommand falls back to EVAL after a SCRIPT FLUSH or a Redis restart).
 */
import { readFileSync } from 'node:fs';
import type { Redis } from './client.ts';

const load = (name: string) => readFileSync(new URL(`./scripts/${name}.lua`, import.meta.url), 'utf8');

/**
 * Every script, with the KEYS and ARGV it takes: `keys` are its fixed KEYS in order, `moreKeys`
 * says that further KEYS follow (the caller then passes their count first), `argv` its ARGV in
 * order ("?" when optional). Each script's header states the same, which test/scripts.test.ts
 * checks, so the header, this table and the callers below cannot drift apart. Every key is built
 * by keys.ts with the shop's hash tag, so each call touches one cluster slot.
 */
export const SCRIPTS = {
  applyEvents: { file: 'apply-events', keys: ['meta', 'registry'], moreKeys: 'the aggregate keys the ops address', argv: ['events', 'unreadable seq?'] },
  beginRebuild: { file: 'begin-rebuild', keys: ['meta'], argv: ['token', 'now ms', 'stale ms'] },
  clearShopKeys: { file: 'clear-shop-keys', keys: ['meta', 'registry'], moreKeys: 'the keys to drop', argv: ['token'] },
  writeShopKeys: { file: 'write-shop-keys', keys: ['meta', 'registry'], moreKeys: 'the keys written', argv: ['token', 'parts'] },
  finishRebuild: { file: 'finish-rebuild', keys: ['meta'], argv: ['seq', 'token', 'rebuilt at', 'fed from?'] },
  abandonRebuild: { file: 'abandon-rebuild', keys: ['meta'], argv: ['token'] },
  claimPush: { file: 'claim-push', keys: ['meta'], argv: ['seq'] },
  markFed: { file: 'mark-fed', keys: ['meta', 'feed'], moreArgv: 'the seqs sent', argv: ['seq'] },
  takeFeedHole: { file: 'take-feed-hole', keys: ['meta', 'feed'], argv: ['fed seen', 'seq seen'] },
  leaseTokens: { file: 'lease-tokens', keys: ['counter'], argv: ['budget', 'asked', 'window ms'] },
  readDashboard: { file: 'read-dashboard', keys: ['meta', 'today', 'month', 'totals'], moreKeys: 'series, top lists, names', argv: ['days', 'months', 'top size', 'day series fields', 'month series fields'] },
} as const satisfies Record<string, { file: string; keys: readonly string[]; moreKeys?: string; argv: readonly string[]; moreArgv?: string }>;

/** The text of a script file (its header and its code). */
export function scriptSource(file: string): string {
  return load(file);
}

export interface ScriptedRedis extends Redis {
  /** KEYS: meta, registry, ...data keys; ARGV: events JSON[, unreadable seq]. → [applied, lastSeq, status, stuckSeq] */
  applyEvents(numKeys: number, ...args: string[]): Promise<[number, number, number, number]>;
  beginRebuild(meta: string, token: string, nowMs: string, staleMs: string): Promise<number>;
  /** KEYS: meta, registry, ...keys to drop; ARGV: token. → 1, or 0 when the claim was lost */
  clearShopKeys(numKeys: number, ...args: string[]): Promise<number>;
  /** KEYS: meta, registry, ...keys written; ARGV: token, parts JSON. → 1, or 0 when the claim was lost */
  writeShopKeys(numKeys: number, ...args: string[]): Promise<number>;
  /** ARGV: seq, token, rebuilt at[, fed from]. → 1, or 0 when the claim was lost */
  finishRebuild(meta: string, seq: string, token: string, rebuiltAt: string, ...fedFrom: string[]): Promise<number>;
  /** → 1 when this token's claim was released, 0 when it held none */
  abandonRebuild(meta: string, token: string): Promise<number>;
  /** → the previous pushed seq (-1 unknown), or -2 when this seq was pushed already */
  claimPush(meta: string, seq: string): Promise<number>;
  /** KEYS: meta, feed; ARGV: the seqs sent. → the shop's "fed" watermark after it */
  markFed(meta: string, feed: string, ...seqs: string[]): Promise<number>;
  /** → [from, to] to send, or [] when another process moved "fed" first */
  takeFeedHole(meta: string, feed: string, fedSeen: string, seqSeen: string): Promise<number[]>;
  /** → [granted, ms left in the window] (lease-tokens.lua) */
  leaseTokens(counter: string, budget: string, asked: string, windowMs: string): Promise<[number, number]>;
  /** KEYS: see read-dashboard.lua; ARGV: days, months, top size. → JSON with named fields */
  readDashboard(numKeys: number, ...args: string[]): Promise<string>;
}

/**
 * Registers the scripts on a client (idempotent) and returns it typed.
 *
 * A script whose key count varies takes that count as its first argument; on a Redis Cluster
 * ioredis routes each call by its first real key, the shop's. (Auto-pipelining grouped such calls
 * by the count instead and sent them to the wrong node; no client uses it, client.ts.)
 */
export function withScripts(redis: Redis): ScriptedRedis {
  const r = redis as ScriptedRedis;
  if (typeof r.applyEvents === 'function') return r;
  for (const [name, s] of Object.entries(SCRIPTS)) {
    const fixed = 'moreKeys' in s ? undefined : s.keys.length;
    redis.defineCommand(name, fixed === undefined ? { lua: load(s.file) } : { lua: load(s.file), numberOfKeys: fixed });
  }
  return r;
}
