import { validAgreementInput, fixtureContracts } from './__fixtures__/agreementFixtures';
import type { AgreementDocument } from './agreementDocument';
import type { AgreementEvent, AgreementEventKind, AgreementEventPayloads } from './agreementEvent';
import { generateSigningKey, publicKeyRing, type SigningKey } from './agreementKeys';
import { isInForce, pendingVersion, refusalNotices, statusAt, versionHistory, versionInForce } from './agreementQueries';
import { agreementEventHash, signAgreementDocument, signAgreementEvent } from './agreementSigning';
import type { AgreementState, AgreementStatus } from './agreementState';
import { applyEvent, replayAgreementEvents } from './applyEvent';
import { createAgreementEvent } from './createAgreementEvent';
import type { RefusalCode } from './eventRefusal';

// ---- parties and keys ------------------------------------------------------------------------------
const P = 'cand.c10';
const C = 'qdnd.cuc-dths';
const J = 'qdnd.qk7';
const gen = {
  P: generateSigningKey('cand-c10-2025', P),
  C: generateSigningKey('qdnd-cuc-dths-2025', C),
  J: generateSigningKey('qdnd-qk7-2025', J),
  outsider: generateSigningKey('qdnd-outsider', 'qdnd.outsider'),
  unlistedP: generateSigningKey('cand-c10-spare', P),
};
const key = { P: gen.P.signing, C: gen.C.signing, J: gen.J.signing };
/** What the other side holds: public keys only. */
const keys = publicKeyRing(Object.values(gen).map((g) => ({ keyId: g.publicKey.keyId, party: g.publicKey.party, publicKey: g.publicKeyPem })));

// ---- times (validFrom 2025-07-01T00:00+07 = 2025-06-30T17:00Z, validTo 2030-06-30T17:00Z) -----------------
const T = {
  draft: '2025-06-01T00:00:00.000Z',
  propose: '2025-06-02T00:00:00.000Z',
  confirm: '2025-06-03T00:00:00.000Z', // before validFrom
  beforeStart: '2025-06-15T00:00:00.000Z',
  active: '2025-08-01T00:00:00.000Z',
  later: '2025-09-01T00:00:00.000Z',
  evenLater: '2025-10-01T00:00:00.000Z',
  expired: '2030-07-01T00:00:00.000Z',
};

const AID = 'TTDL-CAND-QDND-2025-01';

function doc(version: number, mutate: (d: Record<string, unknown>) => void = () => undefined): AgreementDocument {
  const d = validAgreementInput();
  d.version = version;
  mutate(d);
  return d as unknown as AgreementDocument;
}

/** The document a joiner proposes: the latest confirmed one plus itself. */
function joinDoc(base: AgreementDocument, version: number): AgreementDocument {
  return {
    ...base,
    version,
    dispatch: { ...base.dispatch, number: '77/QK7-DTHS' },
    parties: { ...base.parties, consumers: [...base.parties.consumers, { id: J, ministry: 'qdnd', nameVi: 'Quân khu 7' }] },
    security: { ...base.security, keys: [...base.security.keys, { party: J, keyIds: ['qdnd-qk7-2025'] }] },
  };
}

function ev<K extends AgreementEventKind>(
  state: AgreementState | null,
  kind: K,
  signer: SigningKey,
  version: number,
  at: string,
  payload: AgreementEventPayloads[K],
): AgreementEvent {
  return createAgreementEvent(state, kind, { agreementId: AID, version, at, payload }, signer);
}

function apply(state: AgreementState | null, event: AgreementEvent): AgreementState {
  const r = applyEvent(state, event, keys, { contracts: fixtureContracts });
  if (!r.ok) throw r.refusal;
  return r.state;
}

function refusal(state: AgreementState | null, event: AgreementEvent): { code: RefusalCode; reason: string } {
  const r = applyEvent(state, event, keys, { contracts: fixtureContracts });
  if (r.ok) throw new Error(`expected ${event.kind} to be refused`);
  return { code: r.refusal.code, reason: r.refusal.reason };
}

const sigOf = (state: AgreementState, signer: SigningKey) => signAgreementDocument(pendingVersion(state)!.document, signer);

// ---- canonical scenarios ---------------------------------------------------------------------------
function drafted(): AgreementState {
  return apply(null, ev(null, 'draft', key.P, 1, T.draft, { document: doc(1) }));
}
function proposed(): AgreementState {
  const s = drafted();
  return apply(s, ev(s, 'propose', key.P, 1, T.propose, { signature: sigOf(s, key.P) }));
}
function confirmed(): AgreementState {
  const s = proposed();
  return apply(s, ev(s, 'confirm', key.C, 1, T.confirm, { signature: sigOf(s, key.C) }));
}
function refused(): AgreementState {
  const s = proposed();
  return apply(s, ev(s, 'refuse', key.C, 1, T.confirm, { reason: 'Trường national_id chưa được phép trao đổi' }));
}
function withdrawn(): AgreementState {
  const s = drafted();
  return apply(s, ev(s, 'withdraw', key.P, 1, T.propose, { reason: 'Soạn lại' }));
}
function suspended(): AgreementState {
  const s = confirmed();
  return apply(s, ev(s, 'suspend', key.C, 1, T.active, { reason: 'Nghi ngờ dữ liệu sai' }));
}
function terminated(): AgreementState {
  const s = confirmed();
  return apply(s, ev(s, 'terminate', key.P, 1, T.active, { reason: 'Chấm dứt theo công văn 200/C10' }));
}
function amendDrafted(): AgreementState {
  const s = confirmed();
  return apply(s, ev(s, 'draft', key.P, 2, T.active, { document: doc(2) }));
}
function joinPending(): AgreementState {
  const s = confirmed();
  const d = joinDoc(s.versions[0].document, 2);
  return apply(s, ev(s, 'join_request', key.J, 2, T.active, { document: d, signature: signAgreementDocument(d, key.J) }));
}

describe('agreement lifecycle', () => {
  it('goes draft → proposed → confirmed → active → amended, and keeps the whole history', () => {
    const s1 = drafted();
    expect(statusAt(s1, Date.parse(T.draft))).toBe('draft');
    const s2 = proposed();
    expect(statusAt(s2, Date.parse(T.propose))).toBe('proposed');
    const s3 = confirmed();
    expect(statusAt(s3, Date.parse(T.beforeStart))).toBe('confirmed');
    expect(statusAt(s3, Date.parse(T.active))).toBe('active');
    expect(statusAt(s3, Date.parse(T.expired))).toBe('expired');

    // Amendment: version 2 narrows the person projection, effective from 2026-01-01.
    let s = apply(
      s3,
      ev(s3, 'draft', key.C, 2, T.active, {
        document: doc(2, (d) => {
          (d.period as Record<string, string>).validFrom = '2026-01-01T00:00:00+07:00';
          (d.data as { entities: { fields: string[] }[] }).entities[0].fields = ['id', 'full_name', 'date_of_birth', 'is_military'];
        }),
      }),
    );
    expect(statusAt(s, Date.parse(T.active))).toBe('active');
    s = apply(s, ev(s, 'propose', key.C, 2, T.later, { signature: sigOf(s, key.C) }));
    s = apply(s, ev(s, 'confirm', key.P, 2, T.evenLater, { signature: sigOf(s, key.P) }));
    expect(versionInForce(s, Date.parse('2025-12-31T16:59:59.999Z'))?.version).toBe(1);
    expect(versionInForce(s, Date.parse('2025-12-31T17:00:00.000Z'))?.version).toBe(2);
    expect(versionHistory(s).map((h) => [h.version, h.status, h.signedBy])).toEqual([
      [1, 'confirmed', [P, C]],
      [2, 'confirmed', [C, P]],
    ]);
    expect(s.events.map((e) => e.kind)).toEqual(['draft', 'propose', 'confirm', 'draft', 'propose', 'confirm']);
  });

  it('answers which version governs an event by its commit time, failing closed outside', () => {
    const s = confirmed();
    expect(versionInForce(s, new Date('2025-06-30T16:59:59.999Z'))).toBeNull();
    expect(versionInForce(s, new Date('2025-06-30T17:00:00.000Z'))?.version).toBe(1);
    expect(versionInForce(s, new Date('2030-06-30T16:59:59.999Z'))?.version).toBe(1);
    expect(versionInForce(s, new Date('2030-06-30T17:00:00.000Z'))).toBeNull();
    expect(versionInForce(null, new Date(T.active))).toBeNull();
    expect(versionInForce(proposed(), new Date(T.active))).toBeNull();
    expect(versionInForce(refused(), new Date(T.active))).toBeNull();
  });

  it('starts a version at its confirmation when valid-from is already past (no data before every party signed)', () => {
    let s = drafted();
    s = apply(s, ev(s, 'propose', key.P, 1, T.propose, { signature: sigOf(s, key.P) }));
    s = apply(s, ev(s, 'confirm', key.C, 1, T.active, { signature: sigOf(s, key.C) }));
    expect(isInForce(s, Date.parse(T.active) - 1)).toBe(false);
    expect(isInForce(s, Date.parse(T.active))).toBe(true);
  });

  it('suspends and resumes; events committed while suspended are governed by nothing', () => {
    let s = suspended();
    expect(statusAt(s, Date.parse(T.later))).toBe('suspended');
    s = apply(s, ev(s, 'resume', key.C, 1, T.evenLater, { reason: 'Đã xác minh' }));
    expect(isInForce(s, Date.parse(T.active) - 1)).toBe(true);
    expect(isInForce(s, Date.parse(T.active))).toBe(false);
    expect(isInForce(s, Date.parse(T.evenLater) - 1)).toBe(false);
    expect(isInForce(s, Date.parse(T.evenLater))).toBe(true);
    expect(s.suspensions).toEqual([{ by: C, reason: 'Nghi ngờ dữ liệu sai', from: T.active, to: T.evenLater, resumedBy: C, resumeReason: 'Đã xác minh' }]);
  });

  it('terminates: nothing governs from then on, and every later event is refused', () => {
    const s = terminated();
    expect(statusAt(s, Date.parse(T.active))).toBe('terminated');
    expect(isInForce(s, Date.parse(T.active) - 1)).toBe(true);
    expect(isInForce(s, Date.parse(T.active))).toBe(false);
    expect(refusal(s, ev(s, 'draft', key.P, 2, T.later, { document: doc(2) }))).toEqual({
      code: 'terminated',
      reason: `the agreement was terminated at ${T.active} by ${P}`,
    });
  });

  it('records a refusal with its reason for the requester (Art. 14.1(a))', () => {
    const s = refused();
    expect(statusAt(s, Date.parse(T.active))).toBe('refused');
    expect(refusalNotices(s, P)).toEqual([{ agreementId: AID, version: 1, kind: 'proposal', to: P, by: C, reason: 'Trường national_id chưa được phép trao đổi', at: T.confirm }]);
    expect(refusalNotices(s, C)).toEqual([]);
    // The parties may redraft as the next version.
    const again = apply(s, ev(s, 'draft', key.P, 2, T.later, { document: doc(2) }));
    expect(pendingVersion(again)?.version).toBe(2);
  });

  it('lets a body join an agreement in force with the provider’s confirmation (Art. 10.4)', () => {
    let s = joinPending();
    expect(versionInForce(s, Date.parse(T.later))?.parties.consumers.map((c) => c.id)).toEqual([C]);
    s = apply(s, ev(s, 'join_confirm', key.P, 2, T.later, { signature: sigOf(s, key.P) }));
    expect(versionInForce(s, Date.parse(T.later) - 1)?.version).toBe(1);
    expect(versionInForce(s, Date.parse(T.later))?.parties.consumers.map((c) => c.id)).toEqual([C, J]);
    // The joiner now acts as a party, e.g. it may suspend.
    s = apply(s, ev(s, 'suspend', key.J, 2, T.evenLater, { reason: 'Tạm dừng để kiểm tra' }));
    expect(statusAt(s, Date.parse(T.evenLater))).toBe('suspended');
  });

  it('refuses a join with a reason delivered to the joiner', () => {
    let s = joinPending();
    s = apply(s, ev(s, 'join_refuse', key.P, 2, T.later, { reason: 'Đơn vị không thuộc phạm vi' }));
    expect(refusalNotices(s, J)).toEqual([{ agreementId: AID, version: 2, kind: 'join_request', to: J, by: P, reason: 'Đơn vị không thuộc phạm vi', at: T.later }]);
    expect(versionInForce(s, Date.parse(T.later))?.version).toBe(1);
  });

  it('travels as JSON: the other side replays the events with public keys only and reaches the same state', () => {
    let s = joinPending();
    s = apply(s, ev(s, 'join_confirm', key.P, 2, T.later, { signature: sigOf(s, key.P) }));
    const wire = JSON.parse(JSON.stringify(s.events)) as AgreementEvent[];
    const otherSide = publicKeyRing(Object.values(gen).map((g) => ({ keyId: g.publicKey.keyId, party: g.publicKey.party, publicKey: g.publicKeyPem })));
    const replayed = replayAgreementEvents(wire, otherSide);
    expect(replayed.refusal).toBeUndefined();
    expect(replayed.state).toEqual(s);
  });
});

// ---- the transition table: every event kind from every status ------------------------------------
type Scenario = { name: string; build: () => AgreementState | null; at: string; allowed: AgreementEventKind[] };

const scenarios: Scenario[] = [
  { name: 'no agreement', build: () => null, at: T.draft, allowed: ['draft'] },
  { name: 'draft', build: drafted, at: T.propose, allowed: ['draft', 'propose', 'withdraw'] },
  { name: 'proposed', build: proposed, at: T.confirm, allowed: ['confirm', 'refuse', 'withdraw'] },
  { name: 'refused', build: refused, at: T.active, allowed: ['draft'] },
  { name: 'withdrawn', build: withdrawn, at: T.active, allowed: ['draft'] },
  { name: 'confirmed, not yet valid', build: confirmed, at: T.beforeStart, allowed: ['draft', 'terminate'] },
  { name: 'active', build: confirmed, at: T.active, allowed: ['draft', 'suspend', 'terminate', 'join_request'] },
  { name: 'suspended', build: suspended, at: T.later, allowed: ['draft', 'resume', 'terminate'] },
  { name: 'expired', build: confirmed, at: T.expired, allowed: [] },
  { name: 'terminated', build: terminated, at: T.later, allowed: [] },
  { name: 'amendment drafted', build: amendDrafted, at: T.later, allowed: ['draft', 'propose', 'withdraw', 'suspend', 'terminate'] },
  { name: 'join requested', build: joinPending, at: T.later, allowed: ['join_confirm', 'join_refuse', 'withdraw', 'suspend', 'terminate'] },
];

/** The most plausible event of a kind in a state: right actor, right version, valid signatures. */
function naturalEvent(s: AgreementState | null, kind: AgreementEventKind, at: string): AgreementEvent {
  const pending = s ? pendingVersion(s) : undefined;
  const latest = s ? s.versions[s.versions.length - 1].version : 0;
  const confirmedV = s ? [...s.versions].reverse().find((v) => v.status === 'confirmed') : undefined;
  const pendingV = pending?.version ?? Math.max(latest, 1);
  const sigDoc = (pending ?? s?.versions[s.versions.length - 1])?.document ?? doc(1);
  const sig = (signer: SigningKey) => signAgreementDocument(sigDoc, signer);
  switch (kind) {
    case 'draft': {
      const v = pending?.status === 'draft' ? pending.version : latest + 1;
      return ev(s, 'draft', key.P, v, at, { document: doc(v) });
    }
    case 'propose':
      return ev(s, 'propose', key.P, pendingV, at, { signature: sig(key.P) });
    case 'confirm':
      return ev(s, 'confirm', key.C, pendingV, at, { signature: sig(key.C) });
    case 'refuse':
      return ev(s, 'refuse', key.C, pendingV, at, { reason: 'không đồng ý' });
    case 'withdraw': {
      const actor = pending?.proposedBy === J ? key.J : key.P;
      return ev(s, 'withdraw', actor, pendingV, at, { reason: 'rút lại' });
    }
    case 'suspend':
      return ev(s, 'suspend', key.C, confirmedV?.version ?? 1, at, { reason: 'kiểm tra' });
    case 'resume':
      return ev(s, 'resume', key.C, confirmedV?.version ?? 1, at, { reason: 'tiếp tục' });
    case 'terminate':
      return ev(s, 'terminate', key.P, confirmedV?.version ?? 1, at, { reason: 'chấm dứt' });
    case 'join_request': {
      const d = joinDoc(confirmedV?.document ?? doc(1), latest + 1);
      return ev(s, 'join_request', key.J, latest + 1, at, { document: d, signature: signAgreementDocument(d, key.J) });
    }
    case 'join_confirm':
      return ev(s, 'join_confirm', key.P, pendingV, at, { signature: sig(key.P) });
    case 'join_refuse':
      return ev(s, 'join_refuse', key.P, pendingV, at, { reason: 'từ chối' });
  }
}

const KINDS: AgreementEventKind[] = ['draft', 'propose', 'confirm', 'refuse', 'withdraw', 'suspend', 'resume', 'terminate', 'join_request', 'join_confirm', 'join_refuse'];

describe('transition table', () => {
  for (const sc of scenarios) {
    for (const kind of KINDS) {
      const allowed = sc.allowed.includes(kind);
      it(`${sc.name}: ${kind} is ${allowed ? 'allowed' : 'refused with a reason'}`, () => {
        const s = sc.build();
        const r = applyEvent(s, naturalEvent(s, kind, sc.at), keys, { contracts: fixtureContracts });
        if (allowed) {
          if (!r.ok) throw r.refusal;
          expect(r.state.events.length).toBe((s?.events.length ?? 0) + 1);
        } else {
          expect(r.ok).toBe(false);
          if (!r.ok) {
            expect(r.refusal.reason.length).toBeGreaterThan(10);
            expect(['not_allowed', 'not_in_force', 'expired', 'terminated', 'wrong_version', 'already_party', 'not_a_party']).toContain(r.refusal.code);
          }
        }
      });
    }
  }

  it('names the status in the refusals of time-bound transitions', () => {
    const s = confirmed();
    expect(refusal(s, naturalEvent(s, 'suspend', T.beforeStart))).toEqual({
      code: 'not_in_force',
      reason: `the agreement is confirmed at ${T.beforeStart}; only an agreement in force can be suspended`,
    });
    expect(refusal(s, naturalEvent(s, 'draft', T.expired))).toEqual({
      code: 'expired',
      reason: 'the agreement has expired; an amendment cannot revive it, draft a new agreement',
    });
  });
});

// ---- authentication and integrity --------------------------------------------------------------------
describe('signatures and the event chain', () => {
  it('rejects a forged signature and a payload altered after signing', () => {
    const s = proposed();
    const good = ev(s, 'confirm', key.C, 1, T.confirm, { signature: sigOf(s, key.C) });
    const sig = Buffer.from(good.signature, 'base64');
    sig[10] ^= 1;
    expect(refusal(s, { ...good, signature: sig.toString('base64') }).code).toBe('bad_signature');
    expect(refusal(s, { ...good, at: '2025-06-03T00:00:00.001Z' })).toEqual({
      code: 'bad_signature',
      reason: 'the event signature (key qdnd-cuc-dths-2025) does not verify',
    });
  });

  it('rejects an event signed by someone pretending to be a party', () => {
    const s = proposed();
    const forged = signAgreementEvent(
      {
        kind: 'confirm',
        agreementId: AID,
        version: 1,
        actor: 'qdnd.outsider',
        at: T.confirm,
        prev: s.lastEventHash,
        keyId: 'qdnd-outsider',
        payload: { signature: sigOf(s, gen.outsider.signing) },
      },
      gen.outsider.signing,
    );
    expect({ ...refusal(s, { ...forged, actor: C }) }.code).toBe('bad_signature');
    expect(refusal(s, forged)).toEqual({ code: 'not_a_party', reason: 'qdnd.outsider is not among the signers of version 1' });
    const unknown = generateSigningKey('nobody-knows', C).signing;
    expect(refusal(s, ev(s, 'confirm', unknown, 1, T.confirm, { signature: sigOf(s, key.C) }))).toEqual({
      code: 'bad_signature',
      reason: 'unknown key nobody-knows',
    });
  });

  it('requires the signing key to be listed for the party in the agreement, not just known', () => {
    const s = proposed();
    expect(refusal(s, ev(s, 'withdraw', gen.unlistedP.signing, 1, T.confirm, { reason: 'x' }))).toEqual({
      code: 'key_not_listed',
      reason: 'key cand-c10-spare is not listed for cand.c10 in version 1 (security.keys)',
    });
  });

  it('checks the document signature: right version, right party, right key', () => {
    const s = proposed();
    const otherDoc = signAgreementDocument(
      doc(1, (d) => ((d.dispatch as Record<string, string>).number = '999/X')),
      key.C,
    );
    expect(refusal(s, ev(s, 'confirm', key.C, 1, T.confirm, { signature: otherDoc })).code).toBe('bad_document_signature');
    expect(refusal(s, ev(s, 'confirm', key.C, 1, T.confirm, { signature: sigOf(s, key.P) }))).toEqual({
      code: 'bad_document_signature',
      reason: `the document signature is by ${P}, the event by ${C}`,
    });
    const tampered = { ...sigOf(s, key.C) };
    tampered.signature = sigOf(s, key.P).signature;
    expect(refusal(s, ev(s, 'confirm', key.C, 1, T.confirm, { signature: tampered }))).toEqual({
      code: 'bad_document_signature',
      reason: 'the document signature of qdnd.cuc-dths (key qdnd-cuc-dths-2025) does not verify',
    });
  });

  it('refuses replayed, reordered and misdirected events', () => {
    const s = confirmed();
    const replay = s.events[2];
    expect(refusal(s, replay).code).toBe('broken_chain');
    const early = ev(s, 'suspend', key.C, 1, '2025-06-02T23:59:59.999Z', { reason: 'x' });
    expect(refusal(s, early)).toEqual({ code: 'out_of_order', reason: `event at 2025-06-02T23:59:59.999Z is earlier than the last event at ${T.confirm}` });
    const other = createAgreementEvent(s, 'suspend', { version: 1, at: T.active, payload: { reason: 'x' } }, key.C);
    const misdirected = signAgreementEvent({ ...other, agreementId: 'OTHER-2025', signature: undefined } as never, key.C);
    expect(refusal(s, misdirected).code).toBe('wrong_agreement');
  });

  it('refuses a first event that claims a predecessor', () => {
    const e = signAgreementEvent(
      { kind: 'draft', agreementId: AID, version: 1, actor: P, at: T.draft, prev: 'a'.repeat(64), keyId: 'cand-c10-2025', payload: { document: doc(1) } },
      key.P,
    );
    expect(refusal(null, e)).toEqual({ code: 'broken_chain', reason: 'the first event of an agreement has prev null' });
  });

  it('refuses a malformed event from the wire with the paths at fault', () => {
    const s = proposed();
    const e = ev(s, 'refuse', key.C, 1, T.confirm, { reason: 'x' });
    const bad = { ...e, at: '3 June', payload: {} } as unknown as AgreementEvent;
    expect(refusal(s, bad)).toEqual({
      code: 'malformed',
      reason: 'at: "3 June" is not an ISO 8601 UTC instant with milliseconds (YYYY-MM-DDTHH:MM:SS.sssZ); payload.reason: is required but missing',
    });
  });
});

// ---- rules specific to transitions -----------------------------------------------------------------
describe('transition rules', () => {
  it('needs every party: one confirmation of two is not enough, and nobody signs twice', () => {
    let s = drafted();
    s = apply(s, ev(s, 'propose', key.P, 1, T.propose, { signature: sigOf(s, key.P) }));
    expect(isInForce(s, Date.parse(T.active))).toBe(false);
    expect(refusal(s, ev(s, 'confirm', key.P, 1, T.confirm, { signature: sigOf(s, key.P) }))).toEqual({
      code: 'already_signed',
      reason: 'cand.c10 has already signed version 1',
    });
  });

  it('refuses a draft that is not a valid agreement, naming the problems', () => {
    const bad = doc(1, (d) => ((d.method as Record<string, unknown>).scope = 'all'));
    expect(refusal(null, ev(null, 'draft', key.P, 1, T.draft, { document: bad }))).toEqual({
      code: 'malformed',
      reason: 'payload.document.method.scope: expected one of "full", "partial", got the string "all"',
    });
    const unknownField = doc(1, (d) => ((d.data as { entities: { fields: string[] }[] }).entities[0].fields = ['id', 'ghost']));
    expect(refusal(null, ev(null, 'draft', key.P, 1, T.draft, { document: unknownField }))).toEqual({
      code: 'invalid_document',
      reason: '1 problem(s): data.entities[0].fields[1]: unknown field "ghost" in the contract of person',
    });
  });

  it('refuses a draft by a body that is not a party, and a change of provider', () => {
    expect(refusal(null, ev(null, 'draft', key.J, 1, T.draft, { document: doc(1) })).code).toBe('not_a_party');
    const s = confirmed();
    const swapped = doc(2, (d) => {
      d.parties = {
        provider: { id: 'cand.c11', ministry: 'cand', nameVi: 'Khác' },
        consumers: [{ id: C, ministry: 'qdnd', nameVi: 'Cục Điều tra hình sự' }],
      };
      (d.security as Record<string, unknown>).keys = [
        { party: 'cand.c11', keyIds: ['cand-c11'] },
        { party: C, keyIds: ['qdnd-cuc-dths-2025'] },
      ];
    });
    expect(refusal(s, ev(s, 'draft', key.C, 2, T.active, { document: swapped }))).toEqual({
      code: 'provider_changed',
      reason: 'the provider of TTDL-CAND-QDND-2025-01 is cand.c10; it cannot become cand.c11',
    });
  });

  it('numbers versions strictly: v1 first, then latest + 1; a redraft keeps its number', () => {
    expect(refusal(null, ev(null, 'draft', key.P, 2, T.draft, { document: doc(2) })).code).toBe('wrong_version');
    const s = confirmed();
    expect(refusal(s, ev(s, 'draft', key.P, 3, T.active, { document: doc(3) }))).toEqual({
      code: 'wrong_version',
      reason: 'the next version of TTDL-CAND-QDND-2025-01 is 2',
    });
    const d = drafted();
    expect(refusal(d, ev(d, 'draft', key.P, 2, T.propose, { document: doc(2) }))).toEqual({ code: 'wrong_version', reason: 'the draft in progress is version 1' });
  });

  it('refuses to propose or confirm a version whose period is over', () => {
    const shortDoc = doc(1, (d) => (d.period = { validFrom: '2025-05-01T00:00:00Z', validTo: '2025-06-01T12:00:00Z' }));
    let s = apply(null, ev(null, 'draft', key.P, 1, T.draft, { document: shortDoc }));
    expect(refusal(s, ev(s, 'propose', key.P, 1, T.propose, { signature: sigOf(s, key.P) })).code).toBe('period_over');
    s = apply(s, ev(s, 'withdraw', key.P, 1, T.propose, { reason: 'hết hạn' }));
    expect(statusAt(s, Date.parse(T.propose))).toBe<AgreementStatus>('withdrawn');
  });

  it('lets only the suspender or the provider resume', () => {
    let s = confirmed();
    s = apply(s, ev(s, 'suspend', key.P, 1, T.active, { reason: 'kiểm tra' }));
    expect(refusal(s, ev(s, 'resume', key.C, 1, T.later, { reason: 'x' }))).toEqual({
      code: 'not_allowed',
      reason: 'only cand.c10, who suspended the agreement, or the provider cand.c10 may resume it',
    });
    const byConsumer = suspended();
    expect(apply(byConsumer, ev(byConsumer, 'resume', key.P, 1, T.later, { reason: 'bên cung cấp cho tiếp tục' })).suspensions[0].resumedBy).toBe(P);
  });

  it('cannot resume after valid-to', () => {
    const s = suspended();
    expect(refusal(s, ev(s, 'resume', key.C, 1, T.expired, { reason: 'x' }))).toEqual({
      code: 'expired',
      reason: 'the agreement expired at 2030-07-01T00:00:00+07:00; it cannot be resumed',
    });
  });

  it('answers join requests only by the provider, with join_confirm / join_refuse', () => {
    const s = joinPending();
    expect(refusal(s, ev(s, 'join_confirm', key.C, 2, T.later, { signature: sigOf(s, key.C) }))).toEqual({
      code: 'not_provider',
      reason: 'only the provider cand.c10 confirms a request to join',
    });
    expect(refusal(s, ev(s, 'confirm', key.P, 2, T.later, { signature: sigOf(s, key.P) })).code).toBe('not_allowed');
    expect(refusal(s, ev(s, 'refuse', key.P, 2, T.later, { reason: 'x' })).code).toBe('not_allowed');
  });

  it('refuses a join document that changes more than the parties', () => {
    const s = confirmed();
    const widened = joinDoc(s.versions[0].document, 2);
    const sneaky: AgreementDocument = {
      ...widened,
      data: { entities: [{ ...widened.data.entities[0], fields: [...widened.data.entities[0].fields, 'sex'] }, widened.data.entities[1]] },
      period: { ...widened.period, validTo: '2035-01-01T00:00:00Z' },
    };
    expect(refusal(s, ev(s, 'join_request', key.J, 2, T.active, { document: sneaky, signature: signAgreementDocument(sneaky, key.J) }))).toEqual({
      code: 'join_mismatch',
      reason: 'a join may only add the requester (and its keys, and a new dispatch); it also changes: data, period',
    });
    const existing = joinDoc(s.versions[0].document, 2);
    expect(refusal(s, ev(s, 'join_request', key.C, 2, T.active, { document: existing, signature: signAgreementDocument(existing, key.C) })).code).toBe('already_party');
  });

  it('withdraws a pending amendment when the agreement is terminated', () => {
    const s = amendDrafted();
    const t = apply(s, ev(s, 'terminate', key.C, 1, T.later, { reason: 'kết thúc' }));
    expect(versionHistory(t).map((h) => [h.version, h.status])).toEqual([
      [1, 'confirmed'],
      [2, 'withdrawn'],
    ]);
  });

  it('hashes each event into the next one', () => {
    const s = confirmed();
    expect(s.events[1].prev).toBe(agreementEventHash(s.events[0]));
    expect(s.lastEventHash).toBe(agreementEventHash(s.events[2]));
  });
});

describe('untrusted input', () => {
  it('refuses what is not an event at all, without throwing', () => {
    for (const junk of [undefined, null, 42, 'draft', [], { kind: 'draft' }]) {
      const r = applyEvent(null, junk as unknown as AgreementEvent, keys);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.refusal.code).toBe('malformed');
        expect(r.refusal.reason).not.toBe('');
      }
    }
  });
});
