import type { QueryResult, QueryResultRow } from 'pg';

/** What the store needs of a connection: a pg Pool or Client both fit. */
export interface SqlClient {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}
