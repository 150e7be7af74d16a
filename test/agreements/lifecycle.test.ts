import { createPublicKey, verify } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Writable } from 'stream';
import { Command } from 'commander';
import winston from 'winston';
import { AgreementStore, ExchangePublisher, loadPartySigningKey, StepRefusedError, StepRejectedError, type AgreementExchangeClient } from '../../libs/agreement-exchange';
import {
  agreementEventHash,
  canonicalJson,
  createAgreementEvent,
  generateSigningKey,
  parseAgreementDocument,
  refusalNotices,
  replayAgreementEvents,
  signAgreementDocument,
  statusAt,
  versionHistory,
  type AgreementDocument,
  type AgreementEvent,
  type PartyPublicKey,
} from '../../libs/agreements';
import { register as registerAgreementCommands } from '../../services/cli/commands/agreement';
import { loadConfig } from '../../libs/config';
import { createLogger } from '../../libs/logger';
import { AgreementSyncService, type AgreementSyncOptions } from '../../services/agreement-sync/agreementSyncService';
import { ScratchDatabase } from '../support/scratchDatabase';
import { cand2qdndAgreement, cand2qdndAgreementText, startExchangeHarness, type ExchangeHarness, type MinistrySide } from './exchangeHarness';

function syncOptions(h: ExchangeHarness, s: MinistrySide): AgreementSyncOptions {
  return { ministry: s.ministry, pgUrl: s.db.url, kafka: h.kafka, topics: h.topics, keys: s.ring.lookup, contracts: h.contracts, log: createLogger('agreement-test', 'error') };
}

/** Runs `thahs <args>` in process (the agreement command group only) and returns what it printed. */
async function thahs(args: string[]): Promise<string> {
  const program = new Command('thahs').exitOverride();
  registerAgreementCommands(program);
  let out = '';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  });
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return out;
}

/**
 * Issue 5, done-criterion: a full lifecycle between cand and qdnd over Kafka — draft, propose,
 * confirm by both, amend, join by a third body, refuse a request, terminate — ends with the same
 * history in both databases, every step's signature verified; forged steps are rejected and recorded.
 */
describe('agreement lifecycle between cand and qdnd on the real stack', () => {
  let h: ExchangeHarness;
  let c10: AgreementExchangeClient;
  let dths: AgreementExchangeClient;
  let thads: AgreementExchangeClient;
  let btm: AgreementExchangeClient;
  let doc: AgreementDocument;
  const keyIds: Record<string, string> = {};

  beforeAll(async () => {
    h = await startExchangeHarness('lifecycle');
    for (const p of ['cand.c10', 'qdnd.cuc-dths', 'qdnd.cuc-thads', 'qdnd.bo-tham-muu']) keyIds[p] = h.addParty(p);
    c10 = h.cand.client('cand.c10');
    dths = h.qdnd.client('qdnd.cuc-dths');
    thads = h.qdnd.client('qdnd.cuc-thads');
    btm = h.qdnd.client('qdnd.bo-tham-muu');
    doc = cand2qdndAgreement(h, { provider: keyIds['cand.c10'], consumer: keyIds['qdnd.cuc-dths'] });
  });

  afterAll(async () => {
    await h?.stop();
  });

  const id = (): string => doc.id;

  it('runs draft, propose, confirm, amend, join, refuse, terminate and both databases hold the same signed history', async () => {
    // Version 1: cand drafts and proposes (its signature is its confirmation), qdnd confirms.
    expect((await c10.draft(doc)).outcome).toBe('stored');
    await c10.propose(id());
    await dths.confirm(id());
    let state = await h.qdnd.store.requireState(id());
    expect(state.versions[0]).toMatchObject({ version: 1, status: 'confirmed' });
    expect(statusAt(state, Date.now())).toBe('active');
    const v1Start = Date.parse(state.versions[0].confirmedAt!);

    // Amendment (Art. 13): version 2 narrows the scope to two entities, with its own dispatch.
    const v2Input = {
      ...doc,
      version: 2,
      dispatch: { number: '131/C10-P4', date: '2026-11-20', channel: 'official_letter' as const },
      data: { entities: doc.data.entities.filter((e) => e.entity !== 'judgment') },
    };
    const v2 = parseAgreementDocument(v2Input, { contracts: h.contracts });
    if (!v2.ok) throw new Error(v2.issues.map((i) => i.message).join('; '));
    await c10.amend(v2.document);
    await c10.propose(id());
    await dths.confirm(id());

    // Art. 10.4: a third body joins (version 3), the provider confirms.
    await thads.join(id(), { nameVi: 'Cục Thi hành án, Bộ Quốc phòng', dispatch: { number: '77/THA-QP', date: '2026-11-25', channel: 'official_letter' } });
    await c10.confirm(id());

    // Art. 14.1(a): a fourth body asks to join; the provider refuses, with the reason.
    await btm.join(id(), { nameVi: 'Bộ Tổng Tham mưu', dispatch: { number: '12/BTTM', date: '2026-11-26', channel: 'internal_fax' } });
    await c10.refuse(id(), 'Đơn vị không có nhiệm vụ thi hành án hình sự');

    // The agreement ends by the consumer's termination.
    await dths.terminate(id(), 'Chấm dứt theo công văn 140/CĐT');
    await expect(c10.suspend(id(), 'too late')).rejects.toThrow(StepRefusedError);

    // Both databases: the same events, in the same order, byte for byte.
    const [candHistory, qdndHistory] = await Promise.all([h.cand.store.history(id()), h.qdnd.store.history(id())]);
    const kinds = candHistory.map((e) => e.event.kind);
    expect(kinds).toEqual(['draft', 'propose', 'confirm', 'draft', 'propose', 'confirm', 'join_request', 'join_confirm', 'join_request', 'join_refuse', 'terminate']);
    expect(qdndHistory.map((e) => e.eventHash)).toEqual(candHistory.map((e) => e.eventHash));
    const rows = async (s: ExchangeHarness['cand']): Promise<unknown[]> =>
      (await s.pool.query('SELECT seq, event_hash, event_json FROM agreement.agreement_event WHERE agreement_id = $1 ORDER BY seq', [id()])).rows;
    expect(await rows(h.qdnd)).toEqual(await rows(h.cand));

    // Every step verified again, independently of the library: Ed25519 over the canonical event
    // without its signature, with the public key of the acting body; each names its predecessor.
    const publicKeys = new Map(h.cand.ring.entries().map((k) => [k.keyId, k]));
    let prev: string | null = null;
    for (const { event, eventHash } of candHistory) {
      const key = publicKeys.get(event.keyId)!;
      expect(key.party).toBe(event.actor);
      const { signature, ...unsigned } = event;
      expect(verify(null, Buffer.from(canonicalJson(unsigned)), key.publicKey, Buffer.from(signature, 'base64'))).toBe(true);
      expect(event.prev).toBe(prev);
      expect(agreementEventHash(event)).toBe(eventHash);
      prev = eventHash;
    }
    // ... and by the state machine, from each database's own record of the keys.
    for (const side of [h.cand, h.qdnd]) {
      const recorded = await side.store.recordedKeys();
      const ring = new Map(recorded.map((k) => [k.keyId, { keyId: k.keyId, party: k.party, publicKey: createPublicKey(k.publicKeyPem) } as PartyPublicKey]));
      const replay = replayAgreementEvents(
        (await side.store.history(id())).map((e) => e.event),
        (k) => ring.get(k),
      );
      expect(replay.refusal).toBeUndefined();
      expect(replay.applied).toBe(11);
    }

    // The state both sides derive.
    state = await h.cand.store.requireState(id());
    expect(versionHistory(state).map((v) => [v.version, v.origin, v.status])).toEqual([
      [1, 'draft', 'confirmed'],
      [2, 'draft', 'confirmed'],
      [3, 'join', 'confirmed'],
      [4, 'join', 'refused'],
    ]);
    expect(state.termination).toMatchObject({ by: 'qdnd.cuc-dths', reason: 'Chấm dứt theo công văn 140/CĐT' });
    expect(refusalNotices(state, 'qdnd.bo-tham-muu')).toEqual([
      expect.objectContaining({ kind: 'join_request', to: 'qdnd.bo-tham-muu', by: 'cand.c10', reason: 'Đơn vị không có nhiệm vụ thi hành án hình sự' }),
    ]);
    expect((await h.qdnd.store.requireState(id())).lastEventHash).toBe(state.lastEventHash);

    // Which version governs an event committed at T (µs), asked of either database.
    const at = (kind: string, n = 0): number => Date.parse(candHistory.filter((e) => e.event.kind === kind)[n].event.at);
    const us = (ms: number): bigint => BigInt(ms) * 1000n;
    for (const side of [h.cand, h.qdnd]) {
      expect(await side.store.versionInForce(id(), us(v1Start - 1))).toBeNull();
      expect((await side.store.versionInForce(id(), us(v1Start)))?.version).toBe(1);
      expect((await side.store.versionInForce(id(), us(at('confirm', 1)) - 1n))?.version).toBe(1);
      expect((await side.store.versionInForce(id(), us(at('confirm', 1))))?.version).toBe(2);
      expect((await side.store.versionInForce(id(), Number(us(at('join_confirm')) + 500n)))?.version).toBe(3);
      expect(await side.store.versionInForce(id(), us(at('terminate')))).toBeNull();
    }
    const listed = await h.qdnd.store.list();
    expect(listed).toEqual([expect.objectContaining({ agreementId: id(), latestVersion: 4, latestVersionStatus: 'refused', confirmedVersion: 3, eventCount: 11 })]);
    expect(listed[0].terminatedAt).not.toBeNull();
  });

  it('rejects forged steps on both sides, records them, and keeps them out of the history', async () => {
    const forgedDoc = { ...doc, id: `${doc.id}-F` };
    const genuine = await c10.draft(forgedDoc);
    const before = await h.cand.store.requireState(forgedDoc.id);
    const dthsKey = loadPartySigningKey(h.qdnd.keysDir, 'qdnd.cuc-dths');
    const c10Key = loadPartySigningKey(h.cand.keysDir, 'cand.c10');

    // 1. A step signed by a genuine body and altered afterwards (its time moved).
    const signed = createAgreementEvent(before, 'propose', { version: 1, at: new Date(), payload: { signature: signAgreementDocument(forgedDoc, dthsKey) } }, dthsKey);
    const altered = { ...signed, at: new Date(Date.now() + 1000).toISOString() } as AgreementEvent;
    // 2. An impostor: a key neither ministry installed, under an id that claims to be cand.c10's.
    const impostor = generateSigningKey(keyIds['cand.c10'].replace(/-[0-9a-f]{8}$/, '-00000000'), 'cand.c10');
    const impostorEvent = createAgreementEvent(before, 'withdraw', { version: 1, at: new Date(), payload: { reason: 'forged' } }, impostor.signing);
    // 3. cand.c10's genuine key, the step relabelled as qdnd's.
    const relabelled = { ...createAgreementEvent(before, 'withdraw', { version: 1, at: new Date(), payload: { reason: 'x' } }, c10Key), actor: 'qdnd.cuc-dths' } as AgreementEvent;

    const publisher = new ExchangePublisher(h.kafka, h.topics);
    const forged = [altered, impostorEvent, relabelled];
    for (const e of forged) await publisher.publishRaw(h.topics.agreements, e.agreementId, canonicalJson(e), 'agreement');
    await publisher.publishRaw(h.topics.agreements, forgedDoc.id, '{"kind":"draft", not json', 'agreement');
    // 4. A genuine step published a second time (a replay).
    await publisher.publishAgreementEvent(genuine.event);
    await publisher.disconnect();

    // A genuine step after them still chains onto the genuine draft: nothing forged entered the history.
    await c10.propose(forgedDoc.id);
    for (const side of [h.cand, h.qdnd]) {
      const history = await side.store.history(forgedDoc.id);
      expect(history.map((e) => [e.event.kind, e.event.actor])).toEqual([
        ['draft', 'cand.c10'],
        ['propose', 'cand.c10'],
      ]);
      expect(history[0].eventHash).toBe(genuine.eventHash);
      const rejected = await side.store.rejected({ stream: 'agreement', subjectId: forgedDoc.id });
      expect(rejected.map((r) => [r.code, r.eventHash])).toEqual([...forged.map((e) => ['bad_signature', agreementEventHash(e)]), ['broken_chain', genuine.eventHash]]);
      expect(rejected[1].reason).toMatch(/unknown key/);
      expect((await side.store.rejected({ stream: 'agreement' })).some((r) => r.code === 'malformed' && r.subjectId === null)).toBe(true);
      const stored = await side.pool.query('SELECT count(*)::int AS n FROM agreement.agreement_event WHERE event_hash = ANY($1)', [forged.map((e) => agreementEventHash(e))]);
      expect(stored.rows[0].n).toBe(0);
    }
  });

  it('settles two steps taken at once on the same history: one stored, the other refused, the same on both sides', async () => {
    const raceDoc = { ...doc, id: `${doc.id}-R` };
    await c10.draft(raceDoc);
    await c10.propose(raceDoc.id);
    const outcomes = await Promise.allSettled([dths.confirm(raceDoc.id), c10.withdraw(raceDoc.id, 'withdrawn while qdnd confirms')]);
    const stored = outcomes.filter((o) => o.status === 'fulfilled');
    const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(stored).toHaveLength(1);
    expect(failed).toHaveLength(1);
    const err = failed[0].reason as Error;
    // Rejected by the sync service when both were built on the same state, refused locally otherwise.
    expect(err instanceof StepRejectedError ? err.code : err instanceof StepRefusedError ? 'refused-locally' : err.message).toMatch(/broken_chain|refused-locally/);
    await dths.catchUp();
    await c10.catchUp();
    const [a, b] = await Promise.all([h.cand.store.history(raceDoc.id), h.qdnd.store.history(raceDoc.id)]);
    expect(a).toHaveLength(3);
    expect(b.map((e) => e.eventHash)).toEqual(a.map((e) => e.eventHash));
  });

  it('takes steps and reports the same history through the thahs CLI, from either ministry', async () => {
    const file = path.join(os.tmpdir(), `thahs-${h.prefix}-cli.yaml`);
    fs.writeFileSync(file, cand2qdndAgreementText(h, { provider: keyIds['cand.c10'], consumer: keyIds['qdnd.cuc-dths'] }, '-CLI'));
    const agreementId = `TTDL-${h.prefix.toUpperCase()}-CLI`;
    const side = (s: ExchangeHarness['cand'], party?: string): string[] => [
      '--ministry',
      s.ministry,
      '--db-url',
      s.db.url,
      '--topic-prefix',
      h.prefix,
      '--keys-dir',
      s.keysDir,
      ...(party ? ['--party', party] : []),
    ];
    try {
      expect(await thahs(['agreement', 'validate', file])).toMatch(/valid — agreement .*-CLI version 1/);
      expect(await thahs(['agreement', 'draft', file, ...side(h.cand)])).toMatch(/draft v1 by cand\.c10 — stored in the cand database/);
      await thahs(['agreement', 'propose', agreementId, ...side(h.cand)]);
      expect(await thahs(['agreement', 'confirm', agreementId, ...side(h.qdnd, 'qdnd.cuc-dths')])).toMatch(/confirm v1 by qdnd\.cuc-dths — stored in the qdnd database/);
      await dths.catchUp();
      await c10.catchUp();
      // One at a time: each run captures process.stdout.
      const histories: { verified: boolean; events: { eventHash: string; event: AgreementEvent }[] }[] = [];
      for (const s of [h.cand, h.qdnd]) histories.push(JSON.parse(await thahs(['agreement', 'history', agreementId, ...side(s), '--json'])));
      expect(histories[0].verified).toBe(true);
      expect(histories[0].events.map((e) => e.event.kind)).toEqual(['draft', 'propose', 'confirm']);
      expect(histories[1].events.map((e) => e.eventHash)).toEqual(histories[0].events.map((e) => e.eventHash));
      const show = await thahs(['agreement', 'show', agreementId, ...side(h.qdnd)]);
      expect(show).toMatch(/Trạng thái \(status\)\s+active/);
      const confirmedAt = Date.parse(histories[0].events[2].event.at);
      expect(await thahs(['agreement', 'in-force', agreementId, ...side(h.cand), '--at', String(BigInt(confirmedAt) * 1000n - 1n)])).toMatch(/no version governs/);
      expect(await thahs(['agreement', 'in-force', agreementId, ...side(h.cand), '--at', String(BigInt(confirmedAt) * 1000n)])).toMatch(/version 1 governs/);
      // A step the local state machine refuses is not published, and the CLI says why.
      const refused = JSON.parse(await thahs(['agreement', 'confirm', agreementId, ...side(h.cand), '--json'])) as { ok: boolean; error: { name: string; code: string } };
      expect(refused).toMatchObject({ ok: false, error: { name: 'StepRefusedError', code: 'not_allowed' } });
      process.exitCode = 0;
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it('restarts from what the database holds, whatever the consumer group says', async () => {
    const hashes = async (store: AgreementStore, agreementId: string): Promise<string[]> => (await store.history(agreementId)).map((e) => e.eventHash);
    // qdnd's service is down while cand takes a step.
    await h.qdnd.service.stop();
    const late = { ...doc, id: `${doc.id}-S` };
    await c10.draft(late);
    const rejectedBefore = (await h.qdnd.store.rejected()).length;

    // A fresh consumer group starts at offset 0: everything already stored is skipped, the rest applied.
    const restarted = new AgreementSyncService({ ...syncOptions(h, h.qdnd), groupId: `${h.prefix}-sync-qdnd-2` });
    h.qdnd.service = restarted;
    await restarted.start();
    await dths.catchUp();
    expect(await hashes(h.qdnd.store, late.id)).toEqual(await hashes(h.cand.store, late.id));
    expect(await hashes(h.qdnd.store, id())).toEqual(await hashes(h.cand.store, id()));
    expect((await h.qdnd.store.rejected()).length).toBe(rejectedBefore);

    // A new, empty database behind the original group (whose offsets are at the end): the service
    // seeks back to the start of the log and rebuilds the whole history.
    const rebuilt = await ScratchDatabase.create(loadConfig().qdndPgUrl, 'lifecycle_rebuild');
    const seen: string[] = [];
    const log = winston.createLogger({
      level: 'warn',
      transports: [new winston.transports.Stream({ stream: new Writable({ write: (chunk, _enc, done) => (seen.push(String(chunk)), done()) }) })],
    });
    const service = new AgreementSyncService({ ...syncOptions(h, h.qdnd), pgUrl: rebuilt.url, groupId: `${h.prefix}-sync-qdnd`, log });
    const store = AgreementStore.open(rebuilt.url);
    try {
      await service.start();
      const deadline = Date.now() + 30_000;
      const target = await h.cand.store.positions();
      while (JSON.stringify(await store.positions()) !== JSON.stringify(target) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(await store.positions()).toEqual(target);
      expect(seen.some((line) => line.includes('seeking back'))).toBe(true);
      for (const a of [id(), late.id]) expect(await hashes(store, a)).toEqual(await hashes(h.cand.store, a));
      expect((await store.rejected()).map((r) => r.code).sort()).toEqual((await h.cand.store.rejected()).map((r) => r.code).sort());
    } finally {
      await service.stop();
      await store.close();
      await rebuilt.drop();
    }
  });

  it('keeps the stored history append-only', async () => {
    await expect(h.cand.pool.query('UPDATE agreement.agreement_event SET actor = $1', ['cand.x'])).rejects.toThrow(/append-only/);
    await expect(h.qdnd.pool.query('DELETE FROM agreement.agreement_event')).rejects.toThrow(/append-only/);
    await expect(h.qdnd.pool.query('TRUNCATE agreement.agreement_event')).rejects.toThrow(/append-only/);
    await expect(h.cand.pool.query('DELETE FROM agreement.rejected_event')).rejects.toThrow(/append-only/);
    expect((await h.cand.pool.query('SELECT count(*)::int AS n FROM agreement.agreement_event')).rows[0].n).toBeGreaterThan(11);
  });
});
