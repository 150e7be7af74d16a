import type { Ministry } from '../contracts/contractTypes';

/** Migrating or writing one ministry's model into a database that belongs to the other ministry. */
export class MinistryMismatchError extends Error {
  constructor(
    readonly expected: Ministry,
    readonly found: Ministry,
    readonly database: string,
  ) {
    super(`database ${database} belongs to ${found}, not ${expected}; refusing to touch it`);
    this.name = 'MinistryMismatchError';
  }
}

/** A migration that failed; names the database and the migration so the operator can look at it. */
export class MigrationError extends Error {
  constructor(
    readonly ministry: Ministry,
    readonly database: string,
    readonly reason: string,
    override readonly cause?: unknown,
  ) {
    super(`migrating the ${ministry} model in ${database} failed: ${reason}`);
    this.name = 'MigrationError';
  }
}

/** The database named by a URL, for messages (never the credentials). */
export function databaseLabel(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}
