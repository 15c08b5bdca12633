/**
 * Mail only to those who asked for it (issue 19): report mail and schedules go to the shop's
 * active users, or to an outside address once it was confirmed through the one-time link that
 * arrives at it (here through the run's local SMTP server); each shop has a daily quota; a shop
 * name with CR/LF never breaks a header.
 */
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { simpleParser } from 'mailparser';
import { createRedis } from '../src/redis/client.ts';
import { QUEUES } from '../src/workers/queues.ts';
import { takeMailQuota } from '../src/domain/mail/recipients.ts';
import { env, mail } from './support/env.ts';
import { del, get, newShop, patch, post, put } from './support/http.ts';
import { until } from './support/sockets.ts';

const report = (email_to: string) => ({ type: 'expenses', from: '2026-01-01', to: '2026-01-31', format: 'csv', email_to });

/** The first message of the run's mailbox addressed to `to` after index `from`, parsed. */
async function mailTo(to: string, from = 0) {
  let found: Awaited<ReturnType<typeof simpleParser>> | undefined;
  await until(async () => {
    for (const raw of mail().messages.slice(from)) {
      const m = await simpleParser(raw);
      const rcpt = m.to && !Array.isArray(m.to) ? m.to.text : '';
      if (rcpt === to) {
        found = m;
        return true;
      }
    }
    return false;
  }, 15_000, `mail to ${to}`);
  return found!;
}

describe('mail recipients', function () {
  this.timeout(60_000);

  it('an outside address gets mail only after it confirmed the one-time link; removed, it gets none', async () => {
    const s = await newShop();
    const outside = `accountant-${s.shopId}@outside.test`;
    const refused = await post('/api/reports', report(outside), s.token);
    assert.equal(refused.status, 422);
    assert.equal(refused.body.error.code, 'recipient_not_confirmed');
    assert.deepEqual(refused.body.error.details.emails, [outside]);
    const schedule = { schedules: [{ kind: 'daily_summary', enabled: true, hour: 6, recipients: [outside], format: 'csv' }] };
    assert.equal((await put('/api/report-schedules', schedule, s.token)).body.error.code, 'recipient_not_confirmed');

    const before = mail().messages.length;
    const added = await post('/api/mail-recipients', { email: outside }, s.token);
    assert.equal(added.status, 201);
    assert.equal(added.body.confirmed, false);
    assert.equal((await post('/api/mail-recipients', { email: outside.toUpperCase() }, s.token)).status, 409);
    assert.equal((await post('/api/mail-recipients', { email: outside }, s.cashier)).status, 403);
    // still refused while unconfirmed
    assert.equal((await post('/api/reports', report(outside), s.token)).status, 422);

    const confirmation = await mailTo(outside, before);
    const link = /(http:\/\/\S+\/api\/mail-recipients\/confirm\?token=[A-Za-z0-9_-]+)/.exec(confirmation.text ?? '')?.[1];
    assert.ok(link, confirmation.text);
    const path = new URL(link).pathname + new URL(link).search;
    const opened = await get(path);
    assert.equal(opened.status, 200);
    assert.match(String(opened.headers.get('content-type')), /text\/html/);
    assert.match(String(opened.body), /confirmed/);
    assert.equal((await get(path)).status, 404, 'one use only');
    assert.equal((await get('/api/mail-recipients/confirm?token=forged-token-value')).status, 404);

    const list = await get('/api/mail-recipients', s.token);
    assert.deepEqual(list.body.items.map((r: any) => [r.email, r.confirmed]), [[outside, true]]);
    // another shop's confirmation means nothing here
    const other = await newShop();
    assert.equal((await post('/api/reports', report(outside), other.token)).status, 422);

    const sent = mail().messages.length;
    const ok = await post('/api/reports', report(outside), s.token);
    assert.equal(ok.status, 202);
    await mailTo(outside, sent);
    assert.equal((await put('/api/report-schedules', schedule, s.token)).status, 200);

    assert.equal((await del(`/api/mail-recipients/${added.body.id}`, s.token)).status, 204);
    assert.equal((await post('/api/reports', report(outside), s.token)).status, 422);
    assert.equal((await del(`/api/mail-recipients/${added.body.id}`, s.token)).status, 404);
  });

  it("the shop's active users may be sent to; a deactivated one may not", async () => {
    const s = await newShop();
    const users = (await get('/api/users', s.token)).body.items as { id: number; email: string; role: string }[];
    const cashier = users.find((u) => u.role === 'cashier')!;
    const toOwner = await post('/api/reports', report(s.email), s.token);
    const toCashier = await post('/api/reports', report(cashier.email.toUpperCase()), s.token);
    assert.deepEqual([toOwner.status, toCashier.status], [202, 202]);
    // both mailed before the next suite looks at the run's mailbox
    for (const r of [toOwner, toCashier]) {
      await until(async () => (await get(`/api/reports/${r.body.id}`, s.token)).body.emailed === true, 15_000, 'mailed');
    }
    assert.equal((await patch(`/api/users/${cashier.id}`, { active: false }, s.token)).status, 200);
    assert.equal((await post('/api/reports', report(cashier.email), s.token)).body.error.code, 'recipient_not_confirmed');
  });

  it('a shop name with CR/LF does not break the subject or add a header', async () => {
    const s = await newShop();
    await env().sql`update shops set name = ${'Evil\r\nBcc: victim@evil.test\r\n\r\nbody'} where id = ${s.shopId}`;
    const before = mail().messages.length;
    assert.equal((await post('/api/reports', report(s.email), s.token)).status, 202);
    const m = await mailTo(s.email, before);
    assert.equal(m.bcc, undefined);
    assert.equal(m.headers.get('bcc'), undefined);
    assert.match(String(m.subject), /^Evil Bcc: victim@evil\.test body: expenses report/);
  });

  it('counts recipients against a daily quota per shop, in one step', async () => {
    const s = await newShop();
    const sql = env().sql;
    assert.equal(await takeMailQuota(sql, s.shopId, 3, 5), true);
    assert.equal(await takeMailQuota(sql, s.shopId, 3, 5), false, 'would pass the quota: nothing counted');
    assert.equal(await takeMailQuota(sql, s.shopId, 2, 5), true);
    assert.equal(await takeMailQuota(sql, s.shopId, 1, 5), false);
    const other = await newShop();
    assert.equal(await takeMailQuota(sql, other.shopId, 5, 5), true, 'another shop has its own');
    // a shop past its quota gets no report mail (the report is still made)
    await sql`update mail_quota set sent = ${env().config.mailQuotaPerDay} where shop_id = ${s.shopId}`;
    const r = await post('/api/reports', report(s.email), s.token);
    assert.equal(r.status, 202);
    const connection = createRedis(env().config.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUES.mail, { connection, prefix: env().deps.keys.bull() });
    try {
      // the mail job ran (and chose not to send)
      await until(async () => (await queue.getJob(`mail-${r.body.id}`))?.returnvalue?.skipped === 'quota', 15_000, 'the mail job to skip');
      assert.equal((await get(`/api/reports/${r.body.id}`, s.token)).body.emailed, false);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });
});
