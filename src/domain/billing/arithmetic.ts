/**
 * Bill arithmetic (DOMAIN.md "Bill arithmetic"), exact in integer fils. Every rounding is half
 * away from zero to one fils, at exactly the steps the domain names:
 *   gross = rate × quantity
 *   discount = round(gross × discount% / 100)
 *   net = gross − discount
 *   inclusive: vat = round(net × p / (100 + p)), total = net
 *   exclusive: vat = round(net × p / 100),       total = net + vat
 *   bill: total = Σ line totals, vat = Σ line vats, subtotal = total − vat, discount = Σ line discounts
 * Percentages carry at most 2 decimals, so they are scaled to integer hundredths and the whole
 * computation stays in bigint: no float ever touches money.
 */
import { divRound, isHundredths } from '../common/index.ts';

export interface LineInput {
  rateFils: number;
  quantity: number;
  /** 0–100, at most 2 decimals */
  discountPercent: number;
}

export interface LineAmounts {
  grossFils: number;
  discountFils: number;
  netFils: number;
  vatFils: number;
  totalFils: number;
}

export interface BillAmounts {
  lines: LineAmounts[];
  subtotalFils: number;
  discountFils: number;
  vatFils: number;
  totalFils: number;
}

/** 5 → 500n, 12.5 → 1250n: a percentage as integer hundredths. */
export function hundredths(percent: number): bigint {
  // callers validate at the edge (twoDecimals); reaching this is a programming error
  if (!isHundredths(percent)) throw new RangeError(`percentage ${percent} has more than 2 decimals`);
  return BigInt(Math.round(percent * 100));
}

export function computeLine(line: LineInput, vatPercent: number, pricesIncludeVat: boolean): LineAmounts {
  const gross = BigInt(line.rateFils) * BigInt(line.quantity);
  const d = hundredths(line.discountPercent);
  const p = hundredths(vatPercent);
  const discount = divRound(gross * d, 10_000n);
  const net = gross - discount;
  const vat = pricesIncludeVat ? divRound(net * p, 10_000n + p) : divRound(net * p, 10_000n);
  const total = pricesIncludeVat ? net : net + vat;
  return {
    grossFils: Number(gross),
    discountFils: Number(discount),
    netFils: Number(net),
    vatFils: Number(vat),
    totalFils: Number(total),
  };
}

export function computeBill(lines: LineInput[], vatPercent: number, pricesIncludeVat: boolean): BillAmounts {
  const amounts = lines.map((l) => computeLine(l, vatPercent, pricesIncludeVat));
  let total = 0;
  let vat = 0;
  let discount = 0;
  for (const a of amounts) {
    total += a.totalFils;
    vat += a.vatFils;
    discount += a.discountFils;
  }
  return { lines: amounts, subtotalFils: total - vat, discountFils: discount, vatFils: vat, totalFils: total };
}

/**
 * The discount % a line gets: its own when it has one (> 0), else the customer's tier discount
 * (DOMAIN.md "Loyalty": a tier's discount applies to every line without a discount of its own).
 * Shared by the server's plan and the terminal page's cart.
 */
export function appliedDiscount(ownPercent: number | undefined, tierPercent: number | undefined): number {
  const own = ownPercent ?? 0;
  return own > 0 ? own : (tierPercent ?? 0);
}

export type BillStatus = 'Pending' | 'Partial' | 'Paid' | 'Cancelled';

/** Paid when nothing is left, Partial when something but not all is paid, Pending when nothing is. */
export function statusOf(totalFils: number, paidFils: number): Exclude<BillStatus, 'Cancelled'> {
  if (paidFils >= totalFils) return 'Paid';
  return paidFils > 0 ? 'Partial' : 'Pending';
}
