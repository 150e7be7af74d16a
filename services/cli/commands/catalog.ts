import * as path from 'path';
import { Command } from 'commander';
import {
  assertCatalogCurrent,
  DEFAULT_CATALOG_DIR,
  DEFAULT_SCHEMA_DIR,
  loadContracts,
  renderCatalogFiles,
  writeCatalogFiles,
} from '../../../libs/contracts';

interface CatalogOptions {
  out?: string;
  schemas?: string;
  check?: boolean;
}

function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

/** `thahs catalog`: the published exchange-service catalogue (Art. 6.3, 7.2–7.3), generated from schemas/. */
export function register(program: Command): void {
  program
    .command('catalog')
    .description('Generate the exchange-service catalogue (catalog.md, catalog.html, catalog.json) from the Avro contract')
    .option('--out <dir>', `output folder (default: ${shown(DEFAULT_CATALOG_DIR)})`)
    .option('--schemas <dir>', `folder of the Avro contract (default: ${shown(DEFAULT_SCHEMA_DIR)})`)
    .option('--check', 'write nothing; fail, naming the stale files, if the folder differs from a fresh generation')
    .action((opts: CatalogOptions) => {
      const out = opts.out ? path.resolve(opts.out) : DEFAULT_CATALOG_DIR;
      const files = renderCatalogFiles(loadContracts(opts.schemas ? path.resolve(opts.schemas) : DEFAULT_SCHEMA_DIR));
      if (opts.check) {
        assertCatalogCurrent(out, files);
        process.stdout.write(`catalogue in ${shown(out)} is up to date\n`);
        return;
      }
      for (const file of writeCatalogFiles(out, files)) process.stdout.write(`wrote ${shown(file)}\n`);
    });
}
