import * as fs from 'fs';
import * as path from 'path';
import { Config } from '../../libs/config';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { Ministry } from '../../libs/contracts/contractTypes';
import { Logger } from '../../libs/logger';
import { migrate } from '../../libs/model';
import { generateKeyPair, loadSigningKey } from '../../libs/signing';
import { CdcProducer } from '../cdc-producer/cdcProducer';
import { PipelineService } from './pipelineService';

const MINISTRIES: readonly Ministry[] = ['cand', 'qdnd'];

/**
 * The local stack has no key ceremony: each ministry gets a key pair in THAHS_KEYS_DIR on first start,
 * and each trusts the other's public key from the same folder. Deployments install keys by hand
 * (`thahs keys generate` on each side, public files exchanged under the agreement).
 */
function ensureLocalKeys(dir: string, log: Logger): void {
  for (const m of MINISTRIES) {
    const has = fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.startsWith(`${m}-`) && f.endsWith('.key.pem'));
    if (!has) {
      const k = generateKeyPair(dir, m);
      log.info('generated a local signing key', { ministry: m, keyId: k.keyId, dir: path.dirname(k.privateFile) });
    }
  }
}

/** The pipeline services `npm start` runs, in start order, after the databases are migrated. */
export async function buildServices(config: Config, log: Logger): Promise<PipelineService[]> {
  const urls: Record<Ministry, string> = { cand: config.candPgUrl, qdnd: config.qdndPgUrl };
  for (const m of MINISTRIES) {
    const r = await migrate(urls[m], m);
    log.info('database migrated', { ministry: m, applied: r.applied });
  }
  ensureLocalKeys(config.keysDir, log);
  const contracts = loadContracts();
  return MINISTRIES.map(
    (m) =>
      new CdcProducer({
        ministry: m,
        pgUrl: urls[m],
        kafkaBrokers: config.kafkaBrokers,
        registryUrl: config.registryUrl,
        contracts,
        signingKey: loadSigningKey(config.keysDir, m),
        log: log.child({ component: `cdc-producer-${m}` }),
      }),
  );
}
