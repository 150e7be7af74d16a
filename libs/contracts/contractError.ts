/**
 * A schema file that breaks the contract conventions. Carries the file and, when known, the field, so
 * the author sees exactly what to fix.
 */
export class ContractError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly field?: string,
  ) {
    super(`${file}${field === undefined ? '' : ` (field ${field})`}: ${reason}`);
    this.name = 'ContractError';
  }
}

/** A lookup of an entity the loaded contract does not publish. */
export class UnknownEntityError extends Error {
  constructor(
    readonly entity: string,
    readonly known: readonly string[],
  ) {
    super(`no contract for entity "${entity}"; known: ${known.join(', ')}`);
    this.name = 'UnknownEntityError';
  }
}

/** Generated catalogue files that differ from what the current contract produces. */
export class CatalogStaleError extends Error {
  constructor(
    readonly dir: string,
    readonly staleFiles: readonly string[],
  ) {
    super(`service catalogue in ${dir} is stale; regenerate with \`thahs catalog\`: ${staleFiles.join(', ')}`);
    this.name = 'CatalogStaleError';
  }
}
