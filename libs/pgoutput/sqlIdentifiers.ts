import { IdentifierError } from './errors';

/**
 * Slot, publication, schema and table names come from configuration and contracts, and some must be
 * spliced into replication commands (the walsender only speaks the simple query protocol, so they
 * cannot be parameters). Only plain lower-case identifiers are accepted: they need no escaping beyond
 * the double quotes, and a slot name must be of this form anyway.
 */
const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkIdentifier(kind: string, name: string): string {
  if (!PLAIN_IDENTIFIER.test(name)) throw new IdentifierError(kind, name);
  return name;
}

export function quoteIdentifier(kind: string, name: string): string {
  return `"${checkIdentifier(kind, name)}"`;
}

/** A checked name as a SQL string literal (for catalog lookups on the replication connection). */
export function identifierLiteral(kind: string, name: string): string {
  return `'${checkIdentifier(kind, name)}'`;
}
