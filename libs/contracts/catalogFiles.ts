import * as fs from 'fs';
import * as path from 'path';
import { repoRoot } from '../config/repoRoot';
import type { CatalogAgreementSource } from './catalogAgreement';
import { buildCatalog } from './catalogModel';
import { renderCatalogHtml } from './catalogHtml';
import { renderCatalogMarkdown } from './catalogMarkdown';
import { CatalogStaleError } from './contractError';
import { ContractRegistry } from './contractRegistry';

export const CATALOG_FILE_NAMES = ['catalog.md', 'catalog.html', 'catalog.json'] as const;
export type CatalogFileName = (typeof CATALOG_FILE_NAMES)[number];
export type CatalogFiles = Readonly<Record<CatalogFileName, string>>;

/** docs/catalog of this repository, where the published catalogue is committed. */
export const DEFAULT_CATALOG_DIR = path.join(repoRoot(), 'docs', 'catalog');

/**
 * Renders the three catalogue files of the contract and the published agreements given. Same inputs,
 * same bytes out: no dates, fixed order.
 */
export function renderCatalogFiles(registry: ContractRegistry, agreements: readonly CatalogAgreementSource[] = []): CatalogFiles {
  const doc = buildCatalog(registry, agreements);
  return {
    'catalog.md': renderCatalogMarkdown(doc),
    'catalog.html': renderCatalogHtml(doc),
    'catalog.json': `${JSON.stringify(doc, null, 2)}\n`,
  };
}

/** Writes the files into `dir` (created if missing); returns the paths written. */
export function writeCatalogFiles(dir: string, files: CatalogFiles): string[] {
  fs.mkdirSync(dir, { recursive: true });
  return CATALOG_FILE_NAMES.map((name) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, files[name]);
    return file;
  });
}

/** Names of the files in `dir` that are missing or differ byte for byte from `files`. */
export function staleCatalogFiles(dir: string, files: CatalogFiles): CatalogFileName[] {
  return CATALOG_FILE_NAMES.filter((name) => {
    const file = path.join(dir, name);
    return !fs.existsSync(file) || !fs.readFileSync(file).equals(Buffer.from(files[name], 'utf8'));
  });
}

/** Throws CatalogStaleError naming every stale file. */
export function assertCatalogCurrent(dir: string, files: CatalogFiles): void {
  const stale = staleCatalogFiles(dir, files);
  if (stale.length > 0)
    throw new CatalogStaleError(
      dir,
      stale.map((n) => path.join(dir, n)),
    );
}
