/**
 * What a fuzz run (fuzz-run.ts) found, and how it is told: failures grouped into distinct ones,
 * each with the request and the command that replays it, and the run's figures as lines for the
 * console and bench/RESULTS.md.
 */
import type { FuzzCase } from './fuzz-requests.ts';

export interface Failure {
  index: number;
  case: FuzzCase;
  symptom: string;
  status?: number;
  /** The start of the answer (error code and message). */
  answer?: string;
}

export interface FuzzReport {
  seed: number;
  cases: number;
  routes: number;
  routesTotal: number;
  /** Operations taking a token that no case got past authentication and the role check (every answer 401 or 403). */
  notPastAuth: string[];
  durationMs: number;
  maxResponseMs: number;
  slowestCase?: string;
  /** The service's event-loop delay max over the run, seconds when the machine itself stalled excluded. */
  maxLoopDelayMs: number;
  /** The same, every second included. */
  maxLoopDelayRawMs: number;
  loopSamples: number;
  /** Seconds whose service delay passed 200 ms while an idle canary process was as late: the machine's, not the service's. */
  machineStalls: number;
  status5xx: number;
  byStatus: Record<string, number>;
  failures: Failure[];
  restarts: number;
  /** Requests whose URL passed uWebSockets.js's 4 KB and whose connection it dropped. */
  oversize: number;
  /** 503s answered while /readyz said PostgreSQL or Redis was down (not the request's fault). */
  unavailable: number;
  healthzAtEnd: boolean;
  shopB: { id: number; bills: number; failedPosts: number; maxPostMs: number; verifyCode: number | null; verifyOutput: string };
}

function describe(c: FuzzCase, max = 400): string {
  const body = c.body === undefined ? '' : ` body(${c.body.length} chars)=${c.body.length > max ? `${c.body.slice(0, max)}…` : c.body}`;
  const url = c.url.length > max ? `${c.url.slice(0, max)}… (${c.url.length} chars)` : c.url;
  return `${c.method} ${url} auth=${c.auth}${body} [${c.strategy}]`;
}

/** A failure as one paragraph: what was sent, what happened, how to send it again. */
export function formatFailure(f: Failure, seed: number): string {
  return `case ${f.index} (${f.case.op}): ${f.symptom}${f.answer ? ` — ${f.answer}` : ''}\n  request: ${describe(f.case)}\n  replay: npm run fuzz -- --seed ${seed} --only ${f.index}`;
}

/** Failures grouped by route and symptom (the status or kind, without timings), with a count and the first example. */
export function distinctFailures(failures: Failure[]): { key: string; count: number; first: Failure }[] {
  const groups = new Map<string, { key: string; count: number; first: Failure }>();
  for (const f of failures) {
    const kind = f.symptom.replace(/\d+ ms/g, 'N ms').replace(/; slowest cases then: .*$/, '');
    const code = /"code":"([a-z_]+)"/.exec(f.answer ?? '')?.[1] ?? '';
    // an event-loop delay is pinned on a case by timing only: grouped by how the case was built
    const key = kind.startsWith('event-loop') ? `${kind} | ${f.case.strategy}` : `${f.case.op} | ${kind}${code ? ` ${code}` : ''}`;
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { key, count: 1, first: f });
  }
  return [...groups.values()];
}

/** The run's figures as lines, for the console and bench/RESULTS.md. */
export function formatReport(r: FuzzReport): string {
  const lines = [
    `seed ${r.seed}: ${r.cases} cases over ${r.routes}/${r.routesTotal} operations in ${(r.durationMs / 1000).toFixed(1)} s`,
    ...(r.notPastAuth.length ? [`operations no case got past authentication (every answer 401/403): ${r.notPastAuth.join(', ')}`] : []),
    `statuses: ${Object.entries(r.byStatus)
      .map(([s, n]) => `${s}×${n}`)
      .join(' ')}`,
    `5xx: ${r.status5xx}; slowest response: ${r.maxResponseMs.toFixed(0)} ms${r.slowestCase ? ` (${r.slowestCase})` : ''}; service event-loop delay max: ${r.maxLoopDelayMs.toFixed(0)} ms over ${r.loopSamples} scrapes (${r.maxLoopDelayRawMs.toFixed(0)} ms with the ${r.machineStalls} second(s) the whole machine stalled)`,
    `connections dropped for a request line over 4 KB: ${r.oversize}; 503 while PostgreSQL or Redis was down: ${r.unavailable}; service restarts (stalled or dead): ${r.restarts}; /healthz at the end: ${r.healthzAtEnd ? 'ok' : 'NO ANSWER'}`,
    `shop B ${r.shopB.id}: ${r.shopB.bills} bills (${r.shopB.failedPosts} failed posts, slowest ${r.shopB.maxPostMs.toFixed(0)} ms); aggregates verify exit ${r.shopB.verifyCode}: ${r.shopB.verifyOutput.split('\n')[0]}`,
    `failures: ${r.failures.length} (${distinctFailures(r.failures).length} distinct)`,
  ];
  for (const g of distinctFailures(r.failures)) lines.push(`- ${g.key} ×${g.count}\n  ${formatFailure(g.first, r.seed).replace(/\n/g, '\n  ')}`);
  return lines.join('\n');
}
