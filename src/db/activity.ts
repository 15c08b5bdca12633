/**
 * Connections to the service's database as PostgreSQL sees them (pg_stat_activity), by
 * application name and state: every node's pools, the listener and the workers at once. /metrics
 * reads it at scrape time, since postgres.js does not expose its own pool's counts.
 */
import type { Sql } from './client.ts';

export interface ConnectionCount {
  application: string;
  state: string;
  count: number;
}

export async function databaseConnections(sql: Sql): Promise<ConnectionCount[]> {
  const rows = await sql<ConnectionCount[]>`
    select coalesce(nullif(application_name, ''), 'unnamed') as application, coalesce(state, 'unknown') as state, count(*)::int as count
    from pg_stat_activity
    where datname = current_database() and backend_type = 'client backend' and pid <> pg_backend_pid() -- not this count's own query
    group by 1, 2`;
  return [...rows];
}
