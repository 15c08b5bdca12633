/**
 * What a shop's bills read again and again, kept per node, so that a bill on a warm node costs ONE
 * round trip: its write (issue 20, migration 0043). A bill's plan reads the shop's context (time
 * zone, VAT rate, price mode, payment and loyalty settings), the products on its lines, its
 * employee, the tiers, and its customer with the loyalty account. All but the last change rarely,
 * and each is kept under the shop's read version of its section ('settings', 'catalogue',
 * 'employees') as the bill's read saw it in the same snapshot.
 *
 * Exact, not "fresh enough": the write of a bill planned from kept inputs names those versions and
 * the customer's fields, and goes ahead only when they are still the shop's (SQL
 * bill_inputs_current); the loyalty account is compared under lock by bill_write as before. A
 * refused write drops what was kept and the bill is made the two-statement way, from a fresh read
 * that keeps the new inputs. So a price change costs each node's next bill one more round trip,
 * and never a bill at an old price.
 *
 * Only bills that would pass are made from kept inputs: a product or employee kept as missing, a
 * customer not kept, an offline sale (priced at its time of sale) are made from a fresh read, so
 * every refusal (422, 403) is decided on rows as they are now.
 *
 * Payments and cancellations too (migration 0044): a bill this node made, paid or cancelled is kept
 * as the write left it (BILLS_KEPT, and BILL_LINES_KEPT lines in all: a bill may carry 200), and a
 * payment or cancellation of it is decided on that and on the shop's kept methods, time zone and
 * tiers, in one statement; payment_write and cancel_write compare the bill under lock as before.
 *
 * Bounded whatever tenants send: shops (SHOPS_KEPT), products (PRODUCTS_KEPT: only products that
 * were sold, each under the catalogue version it was read at), employees (STAFF_KEPT) and
 * customers (CUSTOMERS_KEPT), each one least-recently-used cache for every shop. A product id that
 * is not an active product of the shop is never kept: a bill naming one is read afresh (and
 * refused), so a tenant sending made-up ids fills nothing.
 */
import { type Cache, createCache, localDate } from '../common/index.ts';
import type { BillCustomer } from '../customers/index.ts';
import type { LockedAccount } from './loyalty-lock.ts';
import type { TierRow } from './loyalty-rules.ts';
import type { LineProduct } from './plan.ts';
import type { BillRow, LineRow, PaymentRow } from './present.ts';
import { type BillInputs, INPUT_SECTIONS, type InputVersions } from './read.ts';
import type { CreateBillBody } from './schema.ts';
import { type ContextRow, toShopContext } from './shop-context.ts';

/** What bill_inputs_current compares before the write. */
export interface InputsExpected {
  versions: InputVersions;
  /** the customer's fields the plan used (all seven, nulls included); null for a bill without one */
  customer: BillCustomer | null;
}

const SHOPS_KEPT = 1000;
const PRODUCTS_KEPT = 100_000;
const STAFF_KEPT = 10_000;
const CUSTOMERS_KEPT = 50_000;
const BILLS_KEPT = 50_000;
/** Lines of kept bills in all (a bill weighs its lines plus one): 200-line bills cannot fill memory. */
const BILL_LINES_KEPT = 250_000;
/** Contexts per shop: one per bill_date asked (none: today). */
const CONTEXTS_PER_SHOP = 8;

type Staff = { id: number; name: string };

interface ShopEntry {
  versions: InputVersions;
  /** by body.bill_date ('' for today): the context row read for it, today included */
  contexts: Map<string, ContextRow>;
  tiers: { list: TierRow[]; md5: string | null } | undefined;
}

interface CustomerEntry {
  customer: BillCustomer;
  /** as last read or written; undefined: none yet */
  account: LockedAccount | undefined;
}

export interface BillInputsCache {
  /** The inputs for this (online) bill from what is kept, or undefined when anything is missing. */
  recall(shopId: number, body: CreateBillBody, now: Date, phone: string | undefined): (BillInputs & { expect: InputsExpected }) | undefined;
  /** Keeps what a fresh read of an online bill's inputs found. */
  remember(shopId: number, body: CreateBillBody, inputs: BillInputs, phone: string | undefined): void;
  /** After a bill was written: its customer (created by it, perhaps) and the account it left. */
  wrote(shopId: number, customer: BillCustomer, account: LockedAccount | undefined): void;
  /**
   * A write refused what was kept: drop this bill's customer, and with `shop` the shop's inputs
   * too. bill_inputs_current refuses versions or the customer's fields (`shop`: a setting, price or
   * employee may have moved); bill_write refuses only the customer's account (or a customer created
   * meanwhile), since the tiers move the settings version, which is checked first.
   */
  forget(shopId: number, body: CreateBillBody, phone: string | undefined, shop: boolean): void;
  /** A payment's inputs from what is kept (a bill this node wrote, the shop's settings), or undefined. */
  recallPayment(shopId: number, billId: number, now: Date): PaymentInputs | undefined;
  /** Keeps a bill as this node's write (a bill made, a payment taken) left it. */
  keepBill(shopId: number, billId: number, bill: KeptBill): void;
  /** A cancellation's inputs from what is kept (the bill, its customer's account, the tiers), or undefined. */
  recallCancel(shopId: number, billId: number): CancelInputsKept | undefined;
  /** A payment's or cancellation's write refused what was kept: the bill moved, and with `shop` the settings too. */
  forgetBill(shopId: number, billId: number, shop: boolean): void;
  /**
   * A write other than a bill moved this customer's loyalty account (a cancellation took a bill's
   * points back): the kept account is no longer the account, so the customer's next bill reads it
   * afresh (two statements) instead of being refused under lock first (three).
   */
  forgetCustomer(shopId: number, customerId: number): void;
}

/** A bill as a write on this node left it: what a payment on it is decided on. */
export interface KeptBill {
  total_fils: number;
  paid_fils: number;
  status: string;
  customer_id: number | null;
  /** the terminal that created it; null: a user did; undefined: not known on this node */
  terminal: number | null | undefined;
  /** what a cancellation reverses */
  cancel: CancelBasis;
}

/** The bill's fields, lines and payments a cancellation reverses (cancel.ts); fixed at the bill's creation but for `paid`. */
export interface CancelBasis {
  bill_number: string;
  bill_date: string;
  created_at: string;
  vat_fils: number;
  employee_id: number | null;
  customer_area: string | null;
  loyalty_counted: boolean;
  points_earned: number;
  points_redeemed: number;
  lines: { product_id: number | null; quantity: number; total_fils: number }[];
  /** paid per method, positive sums only, by method: what the cancellation refunds */
  paid: { method: string; amount: number }[];
}

/** A bill as a write returned it, kept: `terminal` as KeptBill's. */
export function keptBillOf(rows: { bill: BillRow; lines: LineRow[]; payments: PaymentRow[] }, terminal: number | null | undefined): KeptBill {
  const b = rows.bill;
  const byMethod = new Map<string, number>();
  for (const x of rows.payments) byMethod.set(x.method, (byMethod.get(x.method) ?? 0) + Number(x.amount_fils));
  return {
    total_fils: b.total_fils,
    paid_fils: b.paid_fils,
    status: b.status,
    customer_id: b.customer_id,
    terminal,
    cancel: {
      bill_number: b.bill_number,
      bill_date: b.bill_date,
      created_at: new Date(b.created_at).toISOString(),
      vat_fils: b.vat_fils,
      employee_id: b.employee_id,
      customer_area: b.customer_area,
      loyalty_counted: b.loyalty_counted,
      points_earned: b.points_earned,
      points_redeemed: b.points_redeemed,
      lines: [...rows.lines].sort((x, y) => x.line_no - y.line_no).map((l) => ({ product_id: l.product_id, quantity: l.quantity, total_fils: l.total_fils })),
      // as cancel.ts's read: positive sums by method (the refunds' order changes no figure)
      paid: [...byMethod]
        .filter(([, amount]) => amount > 0)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([method, amount]) => ({ method, amount })),
    },
  };
}

/** What a cancellation is decided on when the node kept it all. */
export interface CancelInputsKept {
  bill: KeptBill;
  /** the customer's account as last read or written here; undefined: none kept */
  account: LockedAccount | undefined;
  tiers: { list: TierRow[]; md5: string | null } | undefined;
  timezone: string;
  versions: { settings: number };
}

/** What a payment is decided on when the node kept it all; `versions` for kept_settings_current. */
export interface PaymentInputs {
  bill: KeptBill;
  methods: string[];
  /** the shop-local date of `now` in the kept time zone */
  today: string;
  versions: { settings: number };
}

/** `value` as read at `version` of its section: current only while that is the shop's version. */
interface Versioned<T> {
  version: number;
  value: T;
}
const itemKey = (shopId: number, id: number) => `${shopId}:${id}`;

const customerKey = (shopId: number, by: 'id' | 'phone', v: number | string) => `${shopId}:${by}:${v}`;

function refKey(shopId: number, body: CreateBillBody, phone: string | undefined): string | undefined {
  const ref = body.customer;
  if (!ref) return undefined;
  if (ref.id !== undefined) return customerKey(shopId, 'id', ref.id);
  return phone === undefined ? undefined : customerKey(shopId, 'phone', phone);
}

/** Sets `k` in a bounded map: past `max` entries it starts again (kept entries are only a shortcut). */
function put<K, V>(m: Map<K, V>, k: K, v: V, max: number): void {
  if (!m.has(k) && m.size >= max) m.clear();
  m.set(k, v);
}

export function createBillInputsCache(): BillInputsCache {
  const shops: Cache<number, ShopEntry> = createCache({ max: SHOPS_KEPT });
  /** products as a bill sells them now */
  const products: Cache<string, Versioned<LineProduct>> = createCache({ max: PRODUCTS_KEPT });
  /** active employees bills named, and null for a shop's default master no longer active */
  const staff: Cache<string, Versioned<Staff | null>> = createCache({ max: STAFF_KEPT });
  const customers: Cache<string, CustomerEntry> = createCache({ max: CUSTOMERS_KEPT });
  const bills: Cache<string, KeptBill> = createCache({ max: BILLS_KEPT, weight: { max: BILL_LINES_KEPT, of: (b) => 1 + b.cancel.lines.length } });

  function keepCustomer(shopId: number, customer: BillCustomer, account: LockedAccount | undefined) {
    const entry = { customer, account };
    customers.set(customerKey(shopId, 'id', customer.id), entry);
    customers.set(customerKey(shopId, 'phone', customer.phone), entry);
  }

  return {
    recall(shopId, body, now, phone) {
      if (body.client_created_at !== undefined || body.offline_ref !== undefined) return undefined;
      const shop = shops.get(shopId);
      const row = shop?.contexts.get(body.bill_date ?? '');
      if (!shop || !row) return undefined;
      // the kept context holds its day's VAT rate and number series: only for that day
      let today: string;
      try {
        today = localDate(now, row.timezone);
      } catch {
        return undefined;
      }
      if (today !== row.today) return undefined;
      const ctx = toShopContext(row, shopId, now);

      const lineProducts: LineProduct[] = [];
      for (const item of body.items) {
        const kept = products.get(itemKey(shopId, item.product_id));
        if (!kept || kept.version !== shop.versions.catalogue) return undefined;
        lineProducts.push(kept.value);
      }
      const employees: Staff[] = [];
      const employeeId = body.employee_id ?? ctx.defaults.employeeId ?? undefined;
      if (employeeId !== undefined) {
        const kept = staff.get(itemKey(shopId, employeeId));
        if (!kept || kept.version !== shop.versions.employees) return undefined;
        // a missing default master is skipped by the plan; a missing named one is refused afresh
        if (kept.value === null && body.employee_id !== undefined) return undefined;
        if (kept.value) employees.push(kept.value);
      }
      let customer: CustomerEntry | undefined;
      if (body.customer) {
        const key = refKey(shopId, body, phone);
        customer = key === undefined ? undefined : customers.get(key);
        if (!customer || !shop.tiers) return undefined;
      }
      return {
        ctx,
        ctxRow: row,
        versions: shop.versions,
        products: lineProducts,
        employees,
        customer: customer?.customer,
        account: customer?.account,
        tiers: shop.tiers?.list ?? [],
        tiersMd5: shop.tiers?.md5 ?? null,
        replay: undefined,
        offlineBillId: undefined,
        expect: { versions: shop.versions, customer: customer?.customer ?? null },
      };
    },

    remember(shopId, body, inputs, phone) {
      if (body.client_created_at !== undefined) return;
      const v = inputs.versions;
      let shop = shops.get(shopId);
      // a read older than what is kept (reads race): keep the newer
      if (shop && INPUT_SECTIONS.some((s) => v[s] < shop!.versions[s])) return;
      if (!shop) {
        shop = { versions: { ...v }, contexts: new Map(), tiers: undefined };
        shops.set(shopId, shop);
      }
      if (v.settings !== shop.versions.settings) {
        shop.contexts.clear();
        shop.tiers = undefined;
      }
      shop.versions = { ...v };

      put(shop.contexts, body.bill_date ?? '', inputs.ctxRow, CONTEXTS_PER_SHOP);
      if (body.customer) shop.tiers = { list: inputs.tiers, md5: inputs.tiersMd5 };
      for (const x of inputs.products) products.set(itemKey(shopId, x.id), { version: v.catalogue, value: x });
      for (const e of inputs.employees) staff.set(itemKey(shopId, e.id), { version: v.employees, value: e });
      // the shop's default master no longer active: kept as such (every bill would read afresh
      // otherwise); an id a request names that is not an employee is not kept
      const fallback = inputs.ctx.defaults.employeeId;
      if (fallback !== null && !inputs.employees.some((e) => e.id === fallback)) {
        staff.set(itemKey(shopId, fallback), { version: v.employees, value: null });
      }
      if (inputs.customer) keepCustomer(shopId, inputs.customer, inputs.account);
      else {
        const key = refKey(shopId, body, phone);
        if (key) customers.delete(key);
      }
    },

    wrote: keepCustomer,

    forget(shopId, body, phone, shop) {
      if (shop) shops.delete(shopId);
      const key = refKey(shopId, body, phone);
      const entry = key === undefined ? undefined : customers.get(key);
      if (entry) {
        customers.delete(customerKey(shopId, 'id', entry.customer.id));
        customers.delete(customerKey(shopId, 'phone', entry.customer.phone));
      }
    },

    recallPayment(shopId, billId, now) {
      const bill = bills.get(itemKey(shopId, billId));
      const shop = shops.get(shopId);
      // today's context: its time zone and methods are the shop's while the settings version holds
      const row = shop?.contexts.get('');
      if (!bill || !shop || !row) return undefined;
      try {
        return { bill, methods: row.payment_methods, today: localDate(now, row.timezone), versions: { settings: shop.versions.settings } };
      } catch {
        return undefined;
      }
    },

    recallCancel(shopId, billId) {
      const bill = bills.get(itemKey(shopId, billId));
      const shop = shops.get(shopId);
      const row = shop?.contexts.get('');
      if (!bill || !shop || !row) return undefined;
      // a bill added to its customer's account is taken back from it: the account and the tiers are needed
      const counted = bill.customer_id !== null && bill.cancel.loyalty_counted;
      const account = counted ? customers.get(customerKey(shopId, 'id', bill.customer_id!))?.account : undefined;
      if (counted && (!account || !shop.tiers)) return undefined;
      return { bill, account, tiers: shop.tiers, timezone: row.timezone, versions: { settings: shop.versions.settings } };
    },

    keepBill(shopId, billId, bill) {
      const key = itemKey(shopId, billId);
      // a bill's creator never changes: a write that does not know it keeps what was known
      const before = bills.get(key);
      const terminal = bill.terminal === undefined ? before?.terminal : bill.terminal;
      bills.set(key, { ...bill, terminal });
    },

    forgetBill(shopId, billId, shop) {
      bills.delete(itemKey(shopId, billId));
      if (shop) shops.delete(shopId);
    },

    forgetCustomer(shopId, customerId) {
      const entry = customers.get(customerKey(shopId, 'id', customerId));
      customers.delete(customerKey(shopId, 'id', customerId));
      if (entry) customers.delete(customerKey(shopId, 'phone', entry.customer.phone));
    },
  };
}
