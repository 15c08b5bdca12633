/**
 * The Lua scripts under src/redis/scripts, loaded once and run with EVALSHA (ioredis
 * defineCommand falls back to EVAL after a SCRIPT FLUSH or a Redis restart).
 */
import { readFileSync } from 'node:fs';
import type { Redis } from './client.ts';

const load = (name: string) => readFileSync(new URL(`./scripts/${name}.lua`, import.meta.url), 'utf8');

const SCRIPTS = {
  applyEvents: { file: 'apply-events', keys: undefined },
  beginRebuild: { file: 'begin-rebuild', keys: 1 },
  clearShopKeys: { file: 'clear-shop-keys', keys: undefined },
  writeShopKeys: { file: 'write-shop-keys', keys: undefined },
  finishRebuild: { file: 'finish-rebuild', keys: 1 },
  claimPush: { file: 'claim-push', keys: 1 },
  readDashboard: { file: 'read-dashboard', keys: undefined },
} as const;

export interface ScriptedRedis extends Redis {
  /** KEYS: meta, registry, ...data keys; ARGV: events JSON[, unreadable seq]. → [applied, lastSeq, status, stuckSeq] */
  applyEvents(numKeys: number, ...args: string[]): Promise<[number, number, number, number]>;
  beginRebuild(meta: string, token: string, nowMs: string, staleMs: string): Promise<number>;
  /** KEYS: meta, registry, ...keys to drop; ARGV: token. → 1, or 0 when the claim was lost */
  clearShopKeys(numKeys: number, ...args: string[]): Promise<number>;
  /** KEYS: meta, registry, ...keys written; ARGV: token, parts JSON. → 1, or 0 when the claim was lost */
  writeShopKeys(numKeys: number, ...args: string[]): Promise<number>;
  finishRebuild(meta: string, seq: string, token: string, rebuiltAt: string): Promise<number>;
  /** → the previous pushed seq (-1 unknown), or -2 when this seq was pushed already */
  claimPush(meta: string, seq: string): Promise<number>;
  /** KEYS: see read-dashboard.lua; ARGV: days, months, top size. */
  readDashboard(numKeys: number, ...args: string[]): Promise<unknown[]>;
}

/** Registers the scripts on a client (idempotent) and returns it typed. */
export function withScripts(redis: Redis): ScriptedRedis {
  const r = redis as ScriptedRedis;
  if (typeof r.applyEvents === 'function') return r;
  for (const [name, s] of Object.entries(SCRIPTS)) {
    redis.defineCommand(name, s.keys === undefined ? { lua: load(s.file) } : { lua: load(s.file), numberOfKeys: s.keys });
  }
  return r;
}
