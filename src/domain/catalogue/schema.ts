/** Request and response schemas of product types and products (API.md "Products", DOMAIN.md section 1). */
import { type Static, Type } from '@sinclair/typebox';
import { Id, Instant, Money, Name, Nullable, Page, Search } from '../common/index.ts';

/**
 * A barcode as a scanner types it: no whitespace, up to 64 characters. An empty string is
 * accepted and means "no barcode", because POS forms send "" for an empty field.
 */
export const Barcode = Type.String({ maxLength: 64, pattern: '^\\S*$' });
export const Description = Type.String({ maxLength: 2000 });

export const TypeBody = Type.Object({ name: Name(200) }, { additionalProperties: false });
export type TypeBody = Static<typeof TypeBody>;

export const CreateProductBody = Type.Object(
  {
    type_id: Id,
    name: Name(200),
    rate: Money,
    barcode: Type.Optional(Nullable(Barcode)),
    description: Type.Optional(Nullable(Description)),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CreateProductBody = Static<typeof CreateProductBody>;

export const UpdateProductBody = Type.Partial(CreateProductBody, { additionalProperties: false, minProperties: 1 });
export type UpdateProductBody = Static<typeof UpdateProductBody>;

export const ListProductsQuery = Type.Object({
  search: Type.Optional(Search),
  type_id: Type.Optional(Id),
  /** Exact match. */
  barcode: Type.Optional(Type.String({ maxLength: 64 })),
  /** Owners and managers see active and inactive products unless they filter; everyone else sees active ones only. */
  active: Type.Optional(Type.Boolean()),
  /**
   * A terminal catching up after being offline: every product changed after this instant,
   * inactive and soft-deleted ones included (`deleted: true`), oldest change first.
   */
  updated_since: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
  ...Page,
});
export type ListProductsQuery = Static<typeof ListProductsQuery>;

/** A product as the API shows it (money in currency units). */
export const ProductOut = Type.Object({
  id: Type.Integer(),
  type_id: Type.Integer(),
  type_name: Type.String(),
  name: Type.String(),
  rate: Type.Number(),
  barcode: Nullable(Type.String()),
  description: Nullable(Type.String()),
  active: Type.Boolean(),
  created_at: Instant,
  updated_at: Instant,
  /** only in an updated_since list: the product was deleted */
  deleted: Type.Optional(Type.Boolean()),
});
export type ProductOut = Static<typeof ProductOut>;

export const ProductTypeOut = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  product_count: Type.Integer({ minimum: 0 }),
  created_at: Instant,
});
export type ProductTypeOut = Static<typeof ProductTypeOut>;
