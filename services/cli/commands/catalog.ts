import * as path from 'path';
import { Command } from 'commander';
import { DEFAULT_AGREEMENT_DIR, loadCatalogAgreementSources } from '../../../libs/agreements';
import { assertCatalogCurrent, DEFAULT_CATALOG_DIR, DEFAULT_SCHEMA_DIR, loadContracts, renderCatalogFiles, writeCatalogFiles } from '../../../libs/contracts';

interface CatalogOptions {
  out?: string;
  schemas?: string;
  /** A folder; false with --no-agreements; undefined for the default folder (commander sets no default when --agreements <dir> comes first). */
  agreements?: string | false;
  check?: boolean;
}

function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

/**
 * `thahs catalog`: the published exchange-service catalogue (Art. 6.3, 7.2–7.3), generated from
 * schemas/ and from the published agreements, so that it shows per agreement what is exchanged.
 */
export function register(program: Command): void {
  program
    .command('catalog')
    .description('Generate the exchange-service catalogue (catalog.md, catalog.html, catalog.json) from the Avro contract and the published agreements')
    .option('--out <dir>', `output folder (default: ${shown(DEFAULT_CATALOG_DIR)})`)
    .option('--schemas <dir>', `folder of the Avro contract (default: ${shown(DEFAULT_SCHEMA_DIR)})`)
    .option('--agreements <dir>', `folder of the published agreement files, one file per version (default: ${shown(DEFAULT_AGREEMENT_DIR)})`)
    .option('--no-agreements', 'the contract alone: no agreement section, no entity lists a topic')
    .option('--check', 'write nothing; fail, naming the stale files, if the folder differs from a fresh generation')
    .action(async (opts: CatalogOptions) => {
      const out = opts.out ? path.resolve(opts.out) : DEFAULT_CATALOG_DIR;
      const registry = loadContracts(opts.schemas ? path.resolve(opts.schemas) : DEFAULT_SCHEMA_DIR);
      const agreementDir = opts.agreements === false ? undefined : opts.agreements === undefined ? DEFAULT_AGREEMENT_DIR : path.resolve(opts.agreements);
      const agreements = agreementDir === undefined ? [] : await loadCatalogAgreementSources(agreementDir, registry);
      const files = renderCatalogFiles(registry, agreements);
      if (opts.check) {
        assertCatalogCurrent(out, files);
        process.stdout.write(`catalogue in ${shown(out)} is up to date\n`);
        return;
      }
      for (const file of writeCatalogFiles(out, files)) process.stdout.write(`wrote ${shown(file)}\n`);
    });
}
