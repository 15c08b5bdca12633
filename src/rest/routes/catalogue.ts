/** Product types and products (API.md "Products"): read by every principal, written by owners and managers. */
import { IdParams, pageOfAll, ShortListQuery } from '../../domain/common/index.ts';
import { ROLES } from '../../domain/auth/index.ts';
import { CreateProductBody, ListProductsQuery, TypeBody, UpdateProductBody } from '../../domain/catalogue/index.ts';
import * as catalogue from '../../domain/catalogue/index.ts';
import { route } from '../http/route.ts';

const tag = 'catalogue';

export const catalogueRoutes = [
  route({
    method: 'get',
    path: '/api/product-types',
    summary: 'Live product types ordered by name, each with its product count',
    tag,
    auth: ROLES.any,
    query: ShortListQuery,
    handler: async ({ query, principal, deps }) => pageOfAll((await catalogue.listTypes(deps.sql, principal)).items, query),
  }),
  route({
    method: 'post',
    path: '/api/product-types',
    summary: 'Add a product type (name unique per shop, ignoring case)',
    tag,
    auth: ROLES.managers,
    body: TypeBody,
    status: 201,
    handler: ({ body, principal, deps }) => catalogue.createType(deps.sql, principal, body),
  }),
  route({
    method: 'patch',
    path: '/api/product-types/:id',
    summary: 'Rename a product type',
    tag,
    auth: ROLES.managers,
    params: IdParams,
    body: TypeBody,
    handler: ({ params, body, principal, deps }) => catalogue.renameType(deps.sql, principal, params.id, body),
  }),
  route({
    method: 'delete',
    path: '/api/product-types/:id',
    summary: 'Delete a product type (soft); refused with 409 while live products use it',
    tag,
    auth: ROLES.managers,
    params: IdParams,
    status: 204,
    handler: ({ params, principal, deps }) => catalogue.deleteType(deps.sql, principal, params.id),
  }),
  route({
    method: 'get',
    path: '/api/products',
    summary: 'Products by type name then name: search on product or type name, exact barcode, type, active (managers only)',
    tag,
    auth: ROLES.any,
    query: ListProductsQuery,
    handler: ({ query, principal, deps }) => catalogue.listProducts(deps.sql, principal, query),
  }),
  route({
    method: 'get',
    path: '/api/products/:id',
    summary: 'A product (cashiers and terminals: active products only)',
    tag,
    auth: ROLES.any,
    params: IdParams,
    handler: ({ params, principal, deps }) => catalogue.getProduct(deps.sql, principal, params.id),
  }),
  route({
    method: 'post',
    path: '/api/products',
    summary: 'Add a product; the change is pushed to the shop’s terminals',
    tag,
    auth: ROLES.managers,
    body: CreateProductBody,
    status: 201,
    handler: ({ body, principal, deps }) => catalogue.createProduct(deps.sql, deps.notifier, principal, body),
  }),
  route({
    method: 'patch',
    path: '/api/products/:id',
    summary: 'Change a product (partial); the change is pushed to the shop’s terminals',
    tag,
    auth: ROLES.managers,
    params: IdParams,
    body: UpdateProductBody,
    handler: ({ params, body, principal, deps }) => catalogue.updateProduct(deps.sql, deps.notifier, principal, params.id, body),
  }),
  route({
    method: 'delete',
    path: '/api/products/:id',
    summary: 'Delete a product (soft); terminals are told it is gone',
    tag,
    auth: ROLES.managers,
    params: IdParams,
    status: 204,
    handler: ({ params, principal, deps }) => catalogue.deleteProduct(deps.sql, deps.notifier, principal, params.id),
  }),
];
