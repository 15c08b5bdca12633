/** Direct-SQL fixtures for tests that need catalogue rows without exercising the catalogue API. */
import { env } from './env.ts';

export async function addProduct(shopId: number, name: string, rate: number, typeName = 'General'): Promise<number> {
  const sql = env().sql;
  const [t] = await sql<{ id: number }[]>`
    with found as (select id from product_types where shop_id = ${shopId} and lower(name) = lower(${typeName}) and deleted_at is null),
    ins as (insert into product_types (shop_id, name) select ${shopId}, ${typeName} where not exists (select 1 from found) returning id)
    select id from found union all select id from ins`;
  const [p] = await sql<{ id: number }[]>`
    insert into products (shop_id, type_id, name, rate_fils) values (${shopId}, ${t!.id}, ${name}, ${Math.round(rate * 100)}) returning id`;
  return p!.id;
}

export async function addEmployee(shopId: number, name: string): Promise<number> {
  const [e] = await env().sql<{ id: number }[]>`insert into employees (shop_id, name, position) values (${shopId}, ${name}, 'Tailor') returning id`;
  return e!.id;
}

/** Waits until the aggregator has applied every event of the shop. */
export async function settled(shopId: number, timeoutMs = 10_000): Promise<number> {
  const { sql, redis, deps } = env();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [c] = await sql<{ event_seq: number }[]>`select event_seq from shop_counters where shop_id = ${shopId}`;
    const seq = await redis.hget(deps.keys.agg(shopId).meta, 'seq');
    if (seq !== null && Number(seq) === c!.event_seq) return c!.event_seq;
    if (Date.now() > deadline) throw new Error(`aggregates of shop ${shopId} stuck at ${seq} (Postgres ${c!.event_seq})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An outside mail recipient the shop may send to, confirmed as if its link had been opened. */
export async function confirmedRecipient(shopId: number, email: string): Promise<void> {
  await env().sql`
    insert into mail_recipients (shop_id, email, confirmed_at) values (${shopId}, ${email}, now())
    on conflict (shop_id, lower(email)) do update set confirmed_at = now()`;
}
