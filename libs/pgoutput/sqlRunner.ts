import type { QueryResult, QueryResultRow } from 'pg';

/** What this library needs of a normal (non-replication) connection: a pg Client, PoolClient or Pool. */
export interface SqlRunner {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}
