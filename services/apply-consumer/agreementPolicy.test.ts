import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createPublicKey, generateKeyPairSync, randomUUID } from 'crypto';
import { KeyBindingError, loadAgreementFile, publicKeySha256, type AgreementDocument } from '../../libs/agreements';
import { loadContracts } from '../../libs/contracts/contractLoader';
import { AgreementHistory } from './__fixtures__/agreementHistory';
import { confirmedAgreement } from './__fixtures__/confirmedAgreement';
import { AgreementPolicy } from './agreementPolicy';
import { AgreementHistoryError, loadAgreementHistories } from './agreementHistories';

const contracts = loadContracts();
const repo = path.resolve(__dirname, '..', '..');
const us = (iso: string): number => Date.parse(iso) * 1000;

describe('agreement policy (libs/agreements behind PolicyResolver)', () => {
  let doc: AgreementDocument;
  beforeAll(async () => {
    doc = await loadAgreementFile(path.join(repo, 'deploy/agreements/cand-to-qdnd.yaml'), { contracts: (e) => (contracts.has(e) ? contracts.get(e) : undefined) });
  });

  it('resolves the confirmed version in force at the commit time, with projection, filter and provider keys', () => {
    const policy = new AgreementPolicy(confirmedAgreement(doc).state, 'qdnd', contracts);
    const p = policy.resolve('cand', 'person', us('2026-11-27T00:00:00.000Z'));
    expect(p).not.toBeNull();
    expect(p!.agreementId).toBe('TTDL-CAND-QDND-2025-01');
    expect(p!.version).toBe(1);
    expect(p!.fields).toContain('id');
    expect(p!.fields).not.toContain('permanent_address');
    expect(p!.providerKeyIds).toEqual(['cand-c10-2025']);
    expect(p!.predicate({ is_military: true })).toBe(true);
    expect(p!.predicate({ is_military: false })).toBe(false);
    expect(policy.sharedEntities()).toEqual(['enforcement_case', 'judgment', 'person']);
    expect(policy.partnerSchema()).toBe('partner_cand');
  });

  it('fails closed: before the start, after the end, another provider, another receiver, an entity not shared', () => {
    const policy = new AgreementPolicy(confirmedAgreement(doc).state, 'qdnd', contracts);
    expect(policy.resolve('cand', 'person', us('2025-06-30T16:59:59Z'))).toBeNull();
    expect(policy.resolve('cand', 'person', us('2030-06-30T17:00:00Z'))).toBeNull();
    expect(policy.resolve('qdnd', 'person', us('2026-11-27T00:00:00.000Z'))).toBeNull();
    expect(policy.resolve('cand', 'court', us('2026-11-27T00:00:00.000Z'))).toBeNull();
    expect(new AgreementPolicy(confirmedAgreement(doc).state, 'cand', contracts).resolve('cand', 'person', us('2026-11-27T00:00:00.000Z'))).toBeNull();
  });

  it('starts only once every party has confirmed', () => {
    const late = confirmedAgreement(doc, { draft: '2026-01-01T00:00:00.000Z', propose: '2026-01-02T00:00:00.000Z', confirm: '2026-02-01T00:00:00.000Z' });
    const policy = new AgreementPolicy(late.state, 'qdnd', contracts);
    expect(policy.resolve('cand', 'person', us('2026-01-15T00:00:00.000Z'))).toBeNull();
    expect(policy.resolve('cand', 'person', us('2026-02-01T00:00:01Z'))).not.toBeNull();
  });

  it('loads signed histories from a folder and refuses one that does not verify', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-agreements-'));
    const keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-keys-'));
    try {
      const { events, publicKeys } = confirmedAgreement(doc);
      fs.mkdirSync(path.join(keysDir, 'public'));
      for (const k of publicKeys) fs.writeFileSync(path.join(keysDir, 'public', `${k.keyId}.pub.pem`), k.publicKeyPem);
      fs.writeFileSync(path.join(dir, 'cand-to-qdnd.events.jsonl'), events.map((e) => JSON.stringify(e)).join('\n'));
      fs.copyFileSync(path.join(repo, 'deploy/agreements/cand-to-qdnd.yaml'), path.join(dir, 'cand-to-qdnd.yaml'));
      const states = await loadAgreementHistories(dir, keysDir, contracts);
      expect(states.map((s) => [s.agreementId, s.versions.map((v) => v.status)])).toEqual([['TTDL-CAND-QDND-2025-01', ['confirmed']]]);

      const tampered = events.map((e) => (e.kind === 'confirm' ? { ...e, at: '2025-06-04T00:00:00.000Z' } : e));
      fs.writeFileSync(path.join(dir, 'cand-to-qdnd.events.jsonl'), tampered.map((e) => JSON.stringify(e)).join('\n'));
      await expect(loadAgreementHistories(dir, keysDir, contracts)).rejects.toThrow(AgreementHistoryError);

      // without the parties' public keys nothing verifies
      fs.writeFileSync(path.join(dir, 'cand-to-qdnd.events.jsonl'), events.map((e) => JSON.stringify(e)).join('\n'));
      await expect(loadAgreementHistories(dir, path.join(keysDir, randomUUID()), contracts)).rejects.toThrow(/refused/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(keysDir, { recursive: true, force: true });
    }
  });

  it('stops trusting a key file held since the start once an amendment binds its id to another public key (issue 14, item 12)', () => {
    const events = generateKeyPairSync('ed25519').publicKey;
    const other = generateKeyPairSync('ed25519').publicKey;
    let signerHash = '';
    const withEventKey = (version: number, hash?: string): AgreementDocument => ({
      ...doc,
      version,
      security: {
        ...doc.security,
        keys: doc.security.keys.map((k) =>
          k.party === doc.parties.provider.id
            ? { ...k, keyIds: [...k.keyIds, 'cand-events-1'], ...(hash ? { publicKeySha256: { [k.keyIds[0]]: signerHash, 'cand-events-1': hash } } : {}) }
            : k,
        ),
      },
    });
    const h = new AgreementHistory(withEventKey(1));
    signerHash = publicKeySha256(createPublicKey(h.publicKeys.find((k) => k.party === doc.parties.provider.id)!.publicKeyPem));
    const policy = new AgreementPolicy(
      h.confirm(withEventKey(1), { draft: '2025-06-01T00:00:00.000Z', propose: '2025-06-02T00:00:00.000Z', confirm: '2025-06-03T00:00:00.000Z' }),
      'qdnd',
      contracts,
    );
    const held = { ids: () => ['cand-events-1'], get: () => events };
    const reported: KeyBindingError[] = [];
    policy.requireKeysBound(held, (e) => reported.push(e));
    expect(policy.keyAllowedNow('cand', 'cand-events-1')).toBe(true);

    // An amendment binding the id to the key held changes nothing; one binding it to another key refuses it from then on.
    policy.update(
      h.confirm(withEventKey(2, publicKeySha256(events)), { draft: '2025-07-01T00:00:00.000Z', propose: '2025-07-02T00:00:00.000Z', confirm: '2025-07-03T00:00:00.000Z' }),
    );
    expect(reported).toEqual([]);
    expect(policy.keyAllowedNow('cand', 'cand-events-1')).toBe(true);
    policy.update(
      h.confirm(withEventKey(3, publicKeySha256(other)), { draft: '2025-08-01T00:00:00.000Z', propose: '2025-08-02T00:00:00.000Z', confirm: '2025-08-03T00:00:00.000Z' }),
    );
    expect(reported.map((e) => [e.keyId, e.version, e.expectedSha256])).toEqual([['cand-events-1', 3, publicKeySha256(other)]]);
    expect(policy.keyAllowedNow('cand', 'cand-events-1')).toBe(false);
    expect(policy.unboundKeys()).toEqual(['cand-events-1']);
    policy.update(h.terminate('2025-09-01T00:00:00.000Z', 'test'));
    expect(reported).toHaveLength(1);
  });
});
