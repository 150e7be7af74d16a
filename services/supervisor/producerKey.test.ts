import { sign, verify } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generatePartyKey } from '../../libs/agreement-exchange';
import { loadAgreementFile, type AgreementDocument } from '../../libs/agreements';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { createLogger } from '../../libs/logger';
import { generateKeyPair, PublicKeyRing } from '../../libs/signing';
import { AgreementHistory } from '../apply-consumer/__fixtures__/agreementHistory';
import { demoDocument, ensurePartyKeys } from './demoAgreements';
import { KeysFolderRing } from './keysFolderRing';
import { chooseProducerKey } from './producerKey';

const contracts = loadContracts();
const lookup = (e: string) => (contracts.has(e) ? contracts.get(e) : undefined);
const NOW = Date.parse('2026-11-27T01:00:00Z');
const times = { draft: '2026-11-27T00:00:00.000Z', propose: '2026-11-27T00:00:01.000Z', confirm: '2026-11-27T00:00:02.000Z' };
const log = createLogger('producer-key-test', 'error');

describe('the key a CDC producer signs with', () => {
  let dir: string;
  let template: AgreementDocument;
  let keyIds: Map<string, string>;
  let ministryKey: string;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-producer-key-'));
    template = await loadAgreementFile(path.resolve(__dirname, '../../deploy/agreements/cand-to-qdnd.yaml'), { contracts: lookup });
    keyIds = ensurePartyKeys(dir, ['cand.c10', 'qdnd.cuc-dths'], log);
    ministryKey = generateKeyPair(dir, 'cand').keyId;
    generateKeyPair(dir, 'qdnd');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("is the provider body's party key the agreement in force lists, and the receiver's keys folder verifies it", () => {
    const doc = demoDocument(template, 1, keyIds, NOW, lookup);
    const state = new AgreementHistory(doc).confirm(doc, times);
    const choice = chooseProducerKey([state], 'cand', dir, NOW);
    expect(choice).toMatchObject({ source: 'in-force', agreements: [doc.id], uncovered: [] });
    expect(choice.key.keyId).toBe(keyIds.get('cand.c10'));
    expect(choice.key.keyId).toMatch(/^cand\.c10-\d{8}-[0-9a-f]{8}$/);
    // What the apply consumer does: the key id must be listed for the provider, the public file must verify.
    const data = Buffer.from('merkle root');
    const signature = sign(null, data, choice.key.privateKey);
    for (const ring of [PublicKeyRing.fromDir(dir), new KeysFolderRing(dir)]) expect(verify(null, data, ring.get(choice.key.keyId)!, signature)).toBe(true);
  });

  it('a receiver only (no agreement it provides under) signs with its ministry key', () => {
    const doc = demoDocument(template, 1, keyIds, NOW, lookup);
    const state = new AgreementHistory(doc).confirm(doc, times);
    const choice = chooseProducerKey([state], 'qdnd', dir, NOW);
    expect(choice.source).toBe('ministry-key');
    expect(choice.key.keyId).toMatch(/^qdnd-\d{8}-[0-9a-f]{8}$/);
    expect(chooseProducerKey([], 'cand', dir, NOW)).toMatchObject({ source: 'ministry-key', uncovered: [] });
    expect(chooseProducerKey([], 'cand', dir, NOW).key.keyId).toBe(ministryKey);
  });

  it('names the agreements in force whose listed provider key is not held here', () => {
    const doc = demoDocument(template, 1, new Map([...keyIds, ['cand.c10', 'cand.c10-20250101-0badc0de']]), NOW, lookup);
    const state = new AgreementHistory(doc).confirm(doc, times);
    expect(chooseProducerKey([state], 'cand', dir, NOW)).toMatchObject({ source: 'ministry-key', uncovered: [doc.id] });
  });

  it('prefers agreements in force, then confirmed ones waiting for their start', () => {
    const later = generatePartyKey(dir, 'cand.c10').keyId;
    const waiting: AgreementDocument = { ...demoDocument({ ...template, id: 'TTDL-LATER' }, 1, new Map([...keyIds, ['cand.c10', later]]), NOW, lookup), period: { validFrom: '2027-01-01T00:00:00Z', validTo: '2030-01-01T00:00:00Z' } };
    const waitingState = new AgreementHistory(waiting).confirm(waiting, times);
    expect(chooseProducerKey([waitingState], 'cand', dir, NOW)).toMatchObject({ source: 'confirmed', agreements: ['TTDL-LATER'] });
    expect(chooseProducerKey([waitingState], 'cand', dir, NOW).key.keyId).toBe(later);
    const now = demoDocument(template, 1, keyIds, NOW, lookup);
    const nowState = new AgreementHistory(now).confirm(now, times);
    expect(chooseProducerKey([waitingState, nowState], 'cand', dir, NOW).key.keyId).toBe(keyIds.get('cand.c10'));
  });

  it('ignores key ids that cannot name a file in the keys folder', () => {
    const doc = demoDocument(template, 1, new Map([...keyIds, ['cand.c10', 'CAND:c10-key']]), NOW, lookup);
    const state = new AgreementHistory(doc).confirm(doc, times);
    expect(chooseProducerKey([state], 'cand', dir, NOW).source).toBe('ministry-key');
  });
});
