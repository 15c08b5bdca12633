import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { get } from './support/http.ts';

const run = promisify(execFile);

describe('/openapi.json', () => {
  it("passes Redocly CLI's lint with the recommended rules: no error, no warning", async function () {
    this.timeout(60_000);
    const doc = await get('/openapi.json');
    assert.equal(doc.status, 200);
    const dir = await mkdtemp(join(tmpdir(), 'tajir-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      await writeFile(file, JSON.stringify(doc.body));
      // exit status 1 on errors only; the JSON report counts warnings too
      const out = await run('npx', ['redocly', 'lint', file, '--config', 'redocly.yaml', '--format', 'json'], { maxBuffer: 32 * 1024 * 1024 }).catch(
        (err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }),
      );
      const report = JSON.parse(out.stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string; location: { pointer: string }[] }[] };
      const problems = report.problems.map((p) => `${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`);
      assert.deepEqual(problems, []);
      assert.deepEqual(report.totals, { ...report.totals, errors: 0, warnings: 0 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names every operation uniquely, with its tag, security and 4xx answers', async () => {
    const doc = (await get('/openapi.json')).body;
    const ops = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, op })),
    );
    const ids = ops.map((o) => o.op.operationId);
    assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
    for (const { path, method, op } of ops) {
      const where = `${method.toUpperCase()} ${path}`;
      assert.equal(op.tags.length, 1, where);
      assert.ok(Object.keys(op.responses).some((s) => s.startsWith('4')), where);
      // API.md: a token on everything under /api/ but signup, login and the confirmation link a mail carries
      const open = ['/api/auth/signup', '/api/auth/login', '/api/mail-recipients/confirm'].includes(path) || !path.startsWith('/api/');
      assert.deepEqual(op.security, open ? [] : [{ bearer: [] }], where);
    }
  });

  it('gives every success answer with a body its schema (so answers are written through it and checked against it)', async () => {
    const doc = (await get('/openapi.json')).body;
    const missing: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(methods)) {
        for (const [status, r] of Object.entries(op.responses as Record<string, any>)) {
          if (!status.startsWith('2') || status === '204') continue;
          const content = Object.values((r.content ?? {}) as Record<string, { schema?: unknown }>);
          if (!content.length || content.some((c) => !c.schema)) missing.push(`${method.toUpperCase()} ${path} → ${status}`);
        }
      }
    }
    assert.deepEqual(missing, []);
  });
});
