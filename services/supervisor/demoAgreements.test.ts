import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { listPartySigningKeys } from '../../libs/agreement-exchange';
import { AgreementValidationError, partyKeyIds } from '../../libs/agreements';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { createLogger } from '../../libs/logger';
import { AgreementHistory } from '../apply-consumer/__fixtures__/agreementHistory';
import { consumerDemand } from './applyConsumerManager';
import { demoDocument, ensurePartyKeys, loadDemoTemplates, partiesOf, partyKeyHashes } from './demoAgreements';

const contracts = loadContracts();
const lookup = (e: string) => (contracts.has(e) ? contracts.get(e) : undefined);
const log = createLogger('demo-agreements-test', 'error');
const NOW = Date.parse('2026-11-27T01:00:00Z');

describe('the example agreements as the local demo signs them', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-demo-keys-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('one key per body, made once: a second start finds them', async () => {
    const templates = await loadDemoTemplates(lookup);
    expect(templates.map((t) => t.id)).toEqual(['TTDL-CAND-QDND-2025-01', 'TTDL-QDND-CAND-2025-01']);
    expect(partiesOf(templates)).toEqual(['cand.c10', 'qdnd.cuc-dths']);
    const first = ensurePartyKeys(dir, partiesOf(templates), log);
    const again = ensurePartyKeys(dir, partiesOf(templates), log);
    expect(again).toEqual(first);
    expect(
      listPartySigningKeys(dir)
        .map((k) => k.keyId)
        .sort(),
    ).toEqual([...first.values()].sort());
    for (const keyId of first.values()) expect(fs.existsSync(path.join(dir, 'public', `${keyId}.pub.pem`))).toBe(true);
  });

  it('lists the held keys instead of the placeholders, and its period contains now', async () => {
    const [c2q, q2c] = await loadDemoTemplates(lookup);
    const keys = ensurePartyKeys(dir, ['cand.c10', 'qdnd.cuc-dths'], log);
    const doc = demoDocument(c2q, 1, keys, NOW, lookup);
    expect(partyKeyIds(doc, 'cand.c10')).toEqual([keys.get('cand.c10')]);
    expect(partyKeyIds(doc, 'qdnd.cuc-dths')).toEqual([keys.get('qdnd.cuc-dths')]);
    // With the held keys' hashes the document binds each id to its public key (issue 14 item 12).
    const hashes = partyKeyHashes(dir, keys);
    const bound = demoDocument(c2q, 1, keys, NOW, lookup, hashes);
    const cand = keys.get('cand.c10')!;
    expect(bound.security.keys.find((k) => k.party === 'cand.c10')?.publicKeySha256).toEqual({ [cand]: hashes.get(cand) });
    expect(hashes.get(cand)).toMatch(/^[0-9a-f]{64}$/);
    // The example's own period already contains now: kept as written.
    expect(doc.period).toEqual(c2q.period);
    // A period starting later or ending soon is moved so the agreement is in force now and for a year.
    const late = demoDocument({ ...q2c, period: { validFrom: '2027-03-01T00:00:00+07:00', validTo: '2027-06-01T00:00:00+07:00' } }, 3, keys, NOW, lookup);
    expect(late.version).toBe(3);
    expect(late.period).toEqual({ validFrom: '2026-11-27T00:59:00Z', validTo: '2027-11-27T01:00:00Z' });
    expect(() => demoDocument(c2q, 1, new Map([['cand.c10', 'x']]), NOW, lookup)).toThrow(/no key for party qdnd\.cuc-dths/);
    expect(() =>
      demoDocument(
        c2q,
        1,
        new Map([
          ['cand.c10', 'cand/c10'],
          ['qdnd.cuc-dths', 'q'],
        ]),
        NOW,
        lookup,
      ),
    ).toThrow(AgreementValidationError);
  });

  it('a consumer runs while the agreement binds the receiver or its deletion is pending, and finishes once it is due', async () => {
    const [c2q] = await loadDemoTemplates(lookup);
    const times = { draft: '2025-06-01T00:00:00.000Z', propose: '2025-06-02T00:00:00.000Z', confirm: '2025-06-03T00:00:00.000Z' };
    const h = new AgreementHistory(c2q);
    const active = h.confirm(c2q, times);
    expect(consumerDemand(active, Date.parse('2025-06-30T00:00:00Z'))).toBe('none'); // confirmed, valid from 2025-07-01
    expect(consumerDemand(active, NOW)).toBe('run');
    expect(consumerDemand(h.suspend('2026-01-01T00:00:00.000Z', 'audit'), NOW)).toBe('run');
    const ended = h.terminate('2026-11-01T00:00:00.000Z', 'ended');
    expect(consumerDemand(ended, NOW)).toBe('run'); // deletion after P30D: 2026-12-01
    expect(consumerDemand(ended, Date.parse('2026-12-01T00:00:00Z'))).toBe('finish');
  });
});
