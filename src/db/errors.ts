/**
 * Postgres errors mapped once to the error catalogue. Constraint names in sql/migrations are
 * chosen so the client can be told which field clashed (see CONSTRAINT_FIELDS).
 */
import { type AppError, ERRORS } from '../errors.ts';

/** Constraint name → the request field it guards, for 409/422 details. */
const CONSTRAINT_FIELDS: Record<string, string> = {
  users_email_key: 'email',
  product_types_name_key: 'name',
  products_barcode_key: 'barcode',
  customers_phone_key: 'phone',
  employees_phone_key: 'phone',
  expense_categories_name_key: 'name',
  vat_rates_no_overlap: 'effective_from',
  loyalty_tiers_threshold_key: 'threshold_points',
  loyalty_tiers_name_key: 'name',
  shops_shop_code_key: 'shop_code',
};

interface PgError {
  code?: string;
  constraint_name?: string;
}

/** Returns the catalogue error for a Postgres error, or undefined when it is not a client's fault. */
export function mapPgError(err: unknown): AppError | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as PgError;
  const field = e.constraint_name ? CONSTRAINT_FIELDS[e.constraint_name] : undefined;
  switch (e.code) {
    case '23505':
      return ERRORS.conflict(
        field ? `A record with this ${field} already exists` : 'A record with these values already exists',
        field ? [{ field, message: 'already exists' }] : undefined,
      );
    case '23P01':
      return ERRORS.conflict(
        'This overlaps an existing record',
        field ? [{ field, message: 'overlaps an existing record' }] : undefined,
      );
    case '23503':
      return ERRORS.invalidReference();
    case '23514':
      return ERRORS.businessRule('constraint_violated', 'A value breaks a rule of this record');
    case '22001':
    case '22003':
    case '22P02':
    case '22007':
    case '22008':
    case '22021': // a NUL byte or invalid UTF-8 in text
    case '22P05':
      return ERRORS.validation([{ field: '', message: 'a value is out of range or badly formed' }]);
    default:
      return undefined;
  }
}

/** True when the error means Postgres cannot be reached (refused, reset, DNS), not a query fault. */
export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'ENOTFOUND' ||
    code === 'ETIMEDOUT' ||
    code === 'CONNECT_TIMEOUT' ||
    code === 'CONNECTION_CLOSED' ||
    code === 'CONNECTION_ENDED' ||
    code === 'CONNECTION_DESTROYED' ||
    code === '57P01' ||
    code === '57P03'
  );
}

/**
 * The row of a statement that always answers exactly one (a SELECT without FROM, a function call).
 * None means the driver lost the answer with its connection: when a backend is terminated
 * mid-flight, postgres.js can settle a query with no rows instead of an error (the
 * dropped-connections test caught it on Node 24). It is answered as that connection error
 * (503, retry with the same Idempotency-Key), never read as "nothing found".
 */
export function theRow<T>(rows: readonly T[]): T {
  const row = rows[0];
  if (row === undefined) throw Object.assign(new Error('the database connection closed before its answer came'), { code: 'CONNECTION_CLOSED' });
  return row;
}
