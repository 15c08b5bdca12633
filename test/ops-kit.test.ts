/**
 * The operators' kit (ops/): every metric the Grafana dashboard and the Prometheus rules name is
 * one GET /metrics exports, and each query parses as PromQL (the Prometheus project's own grammar,
 * @prometheus-io/lezer-promql), so a renamed metric or a typo fails here, not on a dark panel.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parser } from '@prometheus-io/lezer-promql';
import { parse as parseYaml } from 'yaml';
import { createMetrics } from '../src/rest/metrics.ts';
import { get, newShop, post } from './support/http.ts';
import { connect, until } from './support/sockets.ts';

const dashboard = JSON.parse(readFileSync(new URL('../ops/grafana-dashboard.json', import.meta.url), 'utf8'));
const rules = parseYaml(readFileSync(new URL('../ops/prometheus-rules.yml', import.meta.url), 'utf8'));
/** Series Prometheus records itself for every scrape target (not in /metrics). */
const PROMETHEUS_OWN = new Set(['up']);

/** Grafana's variables become values PromQL accepts before parsing. */
const fromGrafana = (expr: string) => expr.replaceAll('$__rate_interval', '5m').replaceAll('$__interval', '1m').replace(/\$\{?\w+\}?/g, 'x');

/** Labels Prometheus adds to every series it scrapes. */
const TARGET_LABELS = new Set(['job', 'instance']);

/** The selectors of a PromQL expression: each metric name and the labels it matches on; throws on a syntax error. */
function selectors(expr: string): { name: string; labels: string[] }[] {
  const tree = parser.parse(expr);
  const found: { name: string; labels: string[] }[] = [];
  const errors: number[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) errors.push(node.from);
      if (node.name !== 'VectorSelector') return;
      const name = node.node.getChild('Identifier');
      const labels = node.node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? [];
      if (name) found.push({ name: expr.slice(name.from, name.to), labels: labels.map((m) => m.getChild('LabelName')!).map((l) => expr.slice(l.from, l.to)) });
    },
  });
  assert.deepEqual(errors, [], `PromQL does not parse at ${errors.join(', ')}: ${expr}`);
  assert.ok(found.length > 0, `selects no metric: ${expr}`);
  return found;
}
const metricNames = (expr: string) => selectors(expr).map((s) => s.name);

interface Panel {
  title: string;
  type: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}
const panels = (list: Panel[]): Panel[] => list.flatMap((p) => [p, ...panels(p.panels ?? [])]);
const dashboardQueries = (): { where: string; expr: string }[] =>
  panels(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: fromGrafana(t.expr) })));
const ruleList = (): { alert: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] =>
  rules.groups.flatMap((g: { rules: unknown[] }) => g.rules);

/**
 * The names a Prometheus text exposition declares: its samples, and every `# TYPE` (a labelled
 * counter no request has touched yet has no sample but is exported); a histogram's or summary's
 * series are its name with _bucket, _sum and _count.
 */
function exported(text: string): Map<string, Set<string>> {
  /** name → the label names its samples carry */
  const names = new Map<string, Set<string>>();
  const add = (name: string) => names.get(name) ?? names.set(name, new Set()).get(name)!;
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\w+)/.exec(line);
    if (type) {
      add(type[1]!);
      if (type[2] === 'histogram' || type[2] === 'summary') for (const suffix of ['_bucket', '_sum', '_count']) add(type[1]! + suffix);
    } else if (line && !line.startsWith('#')) {
      const labels = add(line.split(/[{ ]/)[0]!);
      for (const m of line.matchAll(/[{,]([a-zA-Z_]\w*)="/g)) labels.add(m[1]!);
    }
  }
  return names;
}

describe('operators kit (ops/)', () => {
  it('the dashboard covers what operators watch, and each query parses', () => {
    const queries = dashboardQueries();
    assert.ok(queries.length >= 20, `${queries.length} queries`);
    const all = queries.map((q) => q.expr).join('\n');
    for (const name of ['http_requests_total', 'http_request_duration_seconds_bucket', 'tajir_event_loop_delay_p99_seconds', 'tajir_sockets', 'tajir_bill_push_delay_seconds_bucket', 'tajir_aggregates_applied_seq_sum', 'tajir_aggregates_stuck_shops', 'tajir_queue_jobs', 'tajir_report_duration_seconds_bucket', 'tajir_db_connections']) {
      assert.ok(all.includes(name), `no panel shows ${name}`);
    }
    for (const q of queries) metricNames(q.expr);
    // Grafana needs unique panel ids; panels that overlap are pushed around on import
    const laidOut = panels(dashboard.panels) as (Panel & { id: number; gridPos: { x: number; y: number; w: number; h: number }; datasource?: { uid: string } })[];
    assert.equal(new Set(laidOut.map((p) => p.id)).size, laidOut.length, 'panel ids are unique');
    const dataSourceVariable = `$\u007bdatasource}`; // Grafana's \${datasource}, spelled so it is not read as a template
    for (const [i, a] of laidOut.entries()) {
      assert.ok(a.gridPos.x + a.gridPos.w <= 24, `"${a.title}" fits the 24-column grid`);
      if (a.type !== 'row') assert.equal(a.datasource?.uid, dataSourceVariable, `"${a.title}" uses the dashboard's data source variable`);
      for (const b of laidOut.slice(i + 1)) {
        const apart = a.gridPos.x + a.gridPos.w <= b.gridPos.x || b.gridPos.x + b.gridPos.w <= a.gridPos.x || a.gridPos.y + a.gridPos.h <= b.gridPos.y || b.gridPos.y + b.gridPos.h <= a.gridPos.y;
        assert.ok(apart, `"${a.title}" and "${b.title}" overlap`);
      }
    }
    // the job variable's query is Grafana's, not PromQL: its metric is checked with the others below
    assert.match(dashboard.templating.list.find((v: { name: string }) => v.name === 'job').definition, /^label_values\(tajir_dependency_up, job\)$/);
  });

  it('every alert rule has a duration, a severity and a summary, and its expression parses', () => {
    const list = ruleList();
    const names = list.map((r) => r.alert);
    for (const wanted of ['TajirPushLagHigh', 'TajirAggregatorBehind', 'TajirStuckShops', 'TajirHigh5xxRate', 'TajirNotReady', 'TajirQueueJobsWaiting']) {
      assert.ok(names.includes(wanted), `no rule ${wanted}`);
    }
    assert.equal(new Set(names).size, names.length, 'alert names are unique');
    for (const r of list) {
      assert.match(r.for ?? '', /^\d+[smh]$/, `${r.alert}: for`);
      assert.ok(['warning', 'critical'].includes(r.labels?.severity ?? ''), `${r.alert}: severity`);
      assert.ok(r.annotations?.summary, `${r.alert}: summary`);
      metricNames(r.expr);
    }
  });

  it('promtool accepts the rules file, where Prometheus is installed', function () {
    // Debian's `prometheus` package ships promtool; the PromQL checks above run everywhere
    const r = spawnSync('promtool', ['check', 'rules', fileURLToPath(new URL('../ops/prometheus-rules.yml', import.meta.url))], { encoding: 'utf8' });
    if (r.error) this.skip();
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`SUCCESS: ${ruleList().length} rules found`));
  });

  it('every metric the dashboard and the rules name is exported by /metrics', async function () {
    this.timeout(60_000);
    // a socket and a finished report, so their series exist (histograms with labels appear once observed)
    const s = await newShop();
    const socket = await connect(s.token);
    try {
      const today = new Date().toISOString().slice(0, 10);
      const r = await post('/api/reports', { type: 'invoices', from: today, to: today, format: 'csv' }, s.token);
      assert.equal(r.status, 202, JSON.stringify(r.body));
      let text = '';
      await until(async () => {
        text = (await get('/metrics')).body;
        return /tajir_report_duration_seconds_count\{[^}]*format="csv"/.test(text) && /tajir_sockets\{role="owner"\} [1-9]/.test(text);
      }, 30_000, 'the report and the socket in /metrics');
      const names = exported(text);
      const used = [
        ...dashboardQueries().flatMap((q) => selectors(q.expr).map((sel) => ({ ...sel, where: q.where }))),
        ...ruleList().flatMap((r) => selectors(r.expr).map((sel) => ({ ...sel, where: `rule ${r.alert}` }))),
        { name: 'tajir_dependency_up', labels: [], where: 'the job variable' },
      ].filter((u) => !PROMETHEUS_OWN.has(u.name));
      const missing = used.filter((u) => !names.has(u.name)).map((u) => `${u.name} (${u.where})`);
      assert.deepEqual([...new Set(missing)], [], 'metrics the kit names that /metrics lacks');
      // a matcher on a label the metric does not carry selects nothing (checked where samples exist)
      const wrongLabels = used.flatMap((u) => {
        const carried = names.get(u.name)!;
        return carried.size === 0 ? [] : u.labels.filter((l) => !TARGET_LABELS.has(l) && !carried.has(l)).map((l) => `${u.name}{${l}} (${u.where})`);
      });
      assert.deepEqual([...new Set(wrongLabels)], [], 'label matchers on labels the metric does not carry');
      // the scrape-time figures read their sources
      assert.match(text, /tajir_dependency_up\{dependency="postgres"\} 1/);
      assert.match(text, /tajir_queue_jobs\{queue="reports",state="waiting"\} \d/);
      assert.match(text, /tajir_db_connections\{application="tajir",state="idle"\} [1-9]/);
      assert.match(text, /tajir_db_pool_size\{application="tajir"\} \d/);
    } finally {
      socket.disconnect();
    }
  });

  it('one scrape shows the sources as they are now, each read once, and leaves out a source that does not answer', async () => {
    const metrics = createMetrics();
    let reads = 0;
    const unwatch = metrics.watch({
      queues: async () => {
        reads++;
        return [{ queue: 'reports', counts: { waiting: 3, active: 1 }, oldestWaitingSeconds: 42 }];
      },
      connections: () => new Promise(() => {}), // never answers: the scrape goes on without it
      sockets: () => ({ owner: 2, terminal: 1 }),
    });
    const started = performance.now();
    const text = await metrics.registry.metrics();
    assert.ok(performance.now() - started < 3000, 'the scrape waited for the silent source at most about a second');
    assert.match(text, /tajir_queue_jobs\{queue="reports",state="waiting"\} 3/);
    assert.match(text, /tajir_queue_oldest_waiting_seconds\{queue="reports"\} 42/);
    assert.match(text, /tajir_sockets\{role="owner"\} 2/);
    assert.doesNotMatch(text, /^tajir_db_connections\{/m);
    assert.equal(reads, 1, 'both queue gauges share one read');
    unwatch();
    assert.doesNotMatch(await metrics.registry.metrics(), /^tajir_sockets\{/m, 'an unwatched source is gone');
  });
});
