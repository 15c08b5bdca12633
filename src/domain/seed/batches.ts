/** Multi-row inserts in batches, a few at a time: the seeder's bulk path. */
import type { Sql } from '../../db/client.ts';

/** Inserts rows in batches of `size`, `parallel` batches at a time. */
export async function insertBatches<T extends Record<string, unknown>>(sql: Sql, table: string, rows: T[], size = 2000, parallel = 3): Promise<void> {
  const batches: T[][] = [];
  for (let i = 0; i < rows.length; i += size) batches.push(rows.slice(i, i + size));
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < batches.length) {
        const b = batches[next++]!;
        await sql`insert into ${sql(table)} ${sql(b as Record<string, unknown>[])}`;
      }
    }),
  );
}

