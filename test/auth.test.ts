import assert from 'node:assert/strict';
import { env } from './support/env.ts';
import { call, get, newShop, post, uniqueEmail } from './support/http.ts';

describe('auth', () => {
  it('signs up a shop with defaults and logs in', async () => {
    const email = uniqueEmail();
    const r = await post('/api/auth/signup', { shop_name: 'Kandura House', email, password: 'secret-123' });
    assert.equal(r.status, 201);
    assert.equal(r.body.user.role, 'owner');
    assert.match(r.body.shop.shop_code, /^[A-Z0-9]{6}$/);
    const l = await post('/api/auth/login', { email: email.toUpperCase(), password: 'secret-123' });
    assert.equal(l.status, 200);
    assert.equal(l.body.shop.id, r.body.shop.id);
    const me = await get('/api/auth/me', l.body.token);
    assert.equal(me.body.role, 'owner');
  });

  it('refuses at signup what the locale settings refuse (3-decimal currency, unknown zone, VAT with 3 decimals), creating nothing', async () => {
    const email = uniqueEmail();
    const base = { shop_name: 'Dinar Tailors', email, password: 'secret-123' };
    const r = await post('/api/auth/signup', { ...base, currency: 'KWD', timezone: 'Mars/Olympus', vat_percent: 5.555 });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.error.details.map((d: any) => d.field).sort(), ['currency', 'timezone', 'vat_percent']);
    assert.equal((await post('/api/auth/login', { email, password: 'secret-123' })).status, 401);
    // the zone is stored in its canonical spelling, as the settings store it
    const ok = await post('/api/auth/signup', { ...base, currency: 'SAR', timezone: 'asia/riyadh', vat_percent: 15 });
    assert.equal(ok.status, 201);
    const settings = await get('/api/shop-settings', ok.body.token);
    assert.deepEqual([settings.body.locale.currency, settings.body.locale.timezone], ['SAR', 'Asia/Riyadh']);
  });

  it('refuses a duplicate email with 409', async () => {
    const email = uniqueEmail();
    await post('/api/auth/signup', { shop_name: 'A', email, password: 'secret-123' });
    const r = await post('/api/auth/signup', { shop_name: 'B', email, password: 'secret-123' });
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, 'conflict');
  });

  it('answers 401 for no token, a forged token and a wrong password', async () => {
    assert.equal((await get('/api/auth/me')).status, 401);
    const forged = 'eyJhbGciOiJIUzI1NiJ9.eyJzaG9wIjoxLCJyb2xlIjoib3duZXIiLCJraW5kIjoidXNlciIsInN1YiI6IjEifQ.AAAA';
    const r = await get('/api/auth/me', forged);
    assert.equal(r.status, 401);
    assert.equal(r.body.error.code, 'token_invalid');
    const s = await newShop();
    const bad = await post('/api/auth/login', { email: s.email, password: 'wrong-password' });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error.code, 'invalid_credentials');
  });

  it('rate limits login brute force per email with 429 and Retry-After', async () => {
    const s = await newShop();
    let last = await post('/api/auth/login', { email: s.email, password: 'nope-nope' });
    for (let i = 0; i < 6; i++) last = await post('/api/auth/login', { email: s.email, password: 'nope-nope' });
    assert.equal(last.status, 429);
    assert.ok(Number(last.headers.get('retry-after')) > 0, "Number(last.headers.get('retry-after')) > 0");
    // even the right password is refused while limited
    const right = await post('/api/auth/login', { email: s.email, password: 'correct-horse-1' });
    assert.equal(right.status, 429);
  });

  it('counts and decides in one step: parallel wrong passwords get no more tries than the budget', async () => {
    const s = await newShop();
    const limit = env().config.loginLimitPerEmail;
    const answers = await Promise.all(Array.from({ length: 20 }, () => post('/api/auth/login', { email: s.email, password: 'parallel-guess' })));
    const by = (status: number) => answers.filter((a) => a.status === status).length;
    assert.deepEqual([by(401), by(429)], [limit, 20 - limit]);
  });

  it('lets only owners and managers add users and terminals', async () => {
    const s = await newShop();
    const body = { email: uniqueEmail(), password: 'secret-123', name: 'X', role: 'cashier' };
    assert.equal((await post('/api/users', body, s.cashier)).status, 403);
    assert.equal((await post('/api/users', body, s.terminal)).status, 403);
    assert.equal((await post('/api/terminals', { name: 'T' }, s.cashier)).status, 403);
    assert.equal((await post('/api/users', { ...body, role: 'owner' }, s.token)).status, 400);
  });

  it('revoking a terminal stops its token', async () => {
    const s = await newShop();
    const t = await post('/api/terminals', { name: 'Counter 9' }, s.token);
    assert.equal((await get('/api/auth/me', t.body.token)).status, 200);
    assert.equal((await call('DELETE', `/api/terminals/${t.body.id}`, { token: s.manager })).status, 204);
    assert.equal((await get('/api/auth/me', t.body.token)).status, 401);
    const list = await get('/api/terminals', s.token);
    assert.ok(list.body.items.some((x: any) => x.id === t.body.id && x.revoked === true), "list.body.items.some((x: any) => x.id === t.body.id && x.revoked === true)");
  });
});
