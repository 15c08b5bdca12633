-- 0007 products: an index in the order the product list is shown within a type.
-- GET /api/products ranks the shop's types by name and reads each type's live products in
-- (lower(name), id) order from this index, so a page costs a walk up to its end instead of a sort
-- of the whole catalogue. name and active are included so the walk is an index-only scan; the
-- heap is read only for the rows of the page.
create index products_shop_type_order_idx
  on products (shop_id, type_id, lower(name), id) include (active, name)
  where deleted_at is null;
