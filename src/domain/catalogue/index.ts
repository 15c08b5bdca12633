/** The catalogue section's surface: what other sections, routes, realtime and workers may use (STYLE.md §15). */
export { CreateProductBody, ListProductsQuery, ProductOut, ProductTypeOut, TypeBody, UpdateProductBody } from './schema.ts';
export { createProduct, createType, deleteProduct, deleteType, getProduct, listProducts, listTypes, renameType, updateProduct } from './service.ts';
