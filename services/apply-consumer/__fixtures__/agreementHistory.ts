import { createPublicKey } from 'crypto';
import {
  applyEvent,
  createAgreementEvent,
  generateSigningKey,
  pendingVersion,
  publicKeyRing,
  signAgreementDocument,
  type AgreementDocument,
  type AgreementEvent,
  type AgreementState,
  type PublicKeyLookup,
  type SigningKey,
} from '../../../libs/agreements';

const iso = (t: Date | string): string => (typeof t === 'string' ? t : t.toISOString());

/**
 * A signed agreement history for tests that goes on after the first confirmation: amendments (new
 * versions drafted and proposed by the provider, confirmed by every consumer), suspension, termination.
 * Each party gets a fresh key under the key id its first document lists; every step goes through
 * libs/agreements applyEvent, so the state is what a real history would give.
 */
export class AgreementHistory {
  private current: AgreementState | null = null;
  readonly events: AgreementEvent[] = [];
  private readonly keys = new Map<string, SigningKey>();
  private ring: PublicKeyLookup;

  /** The parties' public keys (what a keys folder's public/ holds). */
  readonly publicKeys: { keyId: string; party: string; publicKeyPem: string }[];

  /**
   * `keys`: the parties' signing keys when the test has them already (e.g. written to a keys folder);
   * otherwise each party gets a fresh key under the first key id `first` lists for it.
   */
  constructor(first: AgreementDocument, keys?: readonly SigningKey[]) {
    const signing =
      keys ??
      [first.parties.provider, ...first.parties.consumers].map((p) => {
        const keyId = first.security.keys.find((k) => k.party === p.id)?.keyIds[0];
        if (!keyId) throw new Error(`no key listed for ${p.id}`);
        return generateSigningKey(keyId, p.id).signing;
      });
    for (const k of signing) this.keys.set(k.party, k);
    this.publicKeys = signing.map((k) => ({ keyId: k.keyId, party: k.party, publicKeyPem: createPublicKey(k.privateKey).export({ type: 'spki', format: 'pem' }).toString() }));
    this.ring = publicKeyRing(this.publicKeys.map((k) => ({ keyId: k.keyId, party: k.party, publicKey: k.publicKeyPem })));
  }

  get state(): AgreementState {
    if (!this.current) throw new Error('nothing confirmed yet');
    return this.current;
  }

  private key(party: string): SigningKey {
    const k = this.keys.get(party);
    if (!k) throw new Error(`no key for ${party}`);
    return k;
  }

  private step(make: (s: AgreementState | null) => AgreementEvent): AgreementState {
    const e = make(this.current);
    const r = applyEvent(this.current, e, this.ring);
    if (!r.ok) throw r.refusal;
    this.current = r.state;
    this.events.push(e);
    return r.state;
  }

  /** Drafts, proposes and confirms `doc` (version 1, or the next version: an amendment) at the given instants. */
  confirm(doc: AgreementDocument, at: { draft: Date | string; propose: Date | string; confirm: Date | string }): AgreementState {
    const provider = this.key(doc.parties.provider.id);
    const sign = (s: AgreementState | null, k: SigningKey) => signAgreementDocument(pendingVersion(s!)!.document, k);
    this.step((s) => createAgreementEvent(s, 'draft', { agreementId: doc.id, version: doc.version, at: iso(at.draft), payload: { document: doc } }, provider));
    this.step((s) => createAgreementEvent(s, 'propose', { version: doc.version, at: iso(at.propose), payload: { signature: sign(s, provider) } }, provider));
    let state = this.current!;
    for (const c of doc.parties.consumers) {
      const k = this.key(c.id);
      state = this.step((s) => createAgreementEvent(s, 'confirm', { version: doc.version, at: iso(at.confirm), payload: { signature: sign(s, k) } }, k));
    }
    return state;
  }

  /** Suspends the agreement in force at `at`, by the provider unless another party is named. */
  suspend(at: Date | string, reason: string, by?: string): AgreementState {
    const latest = [...this.state.versions].reverse().find((v) => v.status === 'confirmed')!;
    const k = this.key(by ?? latest.document.parties.provider.id);
    return this.step((s) => createAgreementEvent(s, 'suspend', { version: latest.version, at: iso(at), payload: { reason } }, k));
  }

  /**
   * A body of the consumer ministry joins the agreement in force (Art. 10.4): it asks with the next
   * version — the latest confirmed one with itself appended as the last consumer, its key listed — and
   * the provider confirms. `party` gets a fresh key under `keyId`.
   */
  join(
    party: { id: string; ministry: AgreementDocument['parties']['provider']['ministry']; nameVi: string },
    keyId: string,
    at: { request: Date | string; confirm: Date | string },
    dispatchNumber = 'JOIN/1',
  ): AgreementState {
    const base = [...this.state.versions].reverse().find((v) => v.status === 'confirmed')!.document;
    const joiner = generateSigningKey(keyId, party.id).signing;
    this.keys.set(party.id, joiner);
    this.publicKeys.push({ keyId, party: party.id, publicKeyPem: createPublicKey(joiner.privateKey).export({ type: 'spki', format: 'pem' }).toString() });
    this.ring = publicKeyRing(this.publicKeys.map((k) => ({ keyId: k.keyId, party: k.party, publicKey: k.publicKeyPem })));
    const doc: AgreementDocument = {
      ...base,
      version: this.state.versions[this.state.versions.length - 1].version + 1,
      dispatch: { ...base.dispatch, number: dispatchNumber },
      parties: { ...base.parties, consumers: [...base.parties.consumers, party] },
      security: { ...base.security, keys: [...base.security.keys, { party: party.id, keyIds: [keyId] }] },
    };
    const provider = this.key(doc.parties.provider.id);
    this.step((s) =>
      createAgreementEvent(s, 'join_request', { version: doc.version, at: iso(at.request), payload: { document: doc, signature: signAgreementDocument(doc, joiner) } }, joiner),
    );
    return this.step((s) =>
      createAgreementEvent(
        s,
        'join_confirm',
        { version: doc.version, at: iso(at.confirm), payload: { signature: signAgreementDocument(pendingVersion(s!)!.document, provider) } },
        provider,
      ),
    );
  }

  /** Resumes the suspended agreement at `at`, by the provider unless another party is named. */
  resume(at: Date | string, reason: string, by?: string): AgreementState {
    const latest = [...this.state.versions].reverse().find((v) => v.status === 'confirmed')!;
    const k = this.key(by ?? latest.document.parties.provider.id);
    return this.step((s) => createAgreementEvent(s, 'resume', { version: latest.version, at: iso(at), payload: { reason } }, k));
  }

  /** Terminates the agreement at `at`, by the provider unless another party is named. */
  terminate(at: Date | string, reason: string, by?: string): AgreementState {
    const latest = [...this.state.versions].reverse().find((v) => v.status === 'confirmed')!;
    const k = this.key(by ?? latest.document.parties.provider.id);
    return this.step((s) => createAgreementEvent(s, 'terminate', { version: latest.version, at: iso(at), payload: { reason } }, k));
  }
}
