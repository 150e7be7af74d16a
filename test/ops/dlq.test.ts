import { startOpsFixture, thahs, type OpsFixture } from './support/opsFixture';

/**
 * `thahs dlq list|show|discard` on the receiver's dead letters: list filters by agreement, entity,
 * reason and time and prints no contents; show decodes the key and the agreed fields only (values
 * with --values, never those of fields outside the agreement) and records the read in the access log
 * first; discard needs a reason, records it in the operator log and removes the dead letter.
 */
describe('thahs dlq', () => {
  let fx: OpsFixture;
  const NAME = 'Nguyễn Văn Thử Nghiệm';
  const FATHER = 'Trần Văn Cha Ngoài Thỏa Thuận';
  let signed: { id: string; recordId: string }[];
  let forged: { id: string; recordId: string };
  let undecodable: { id: string; recordId: string };
  const side = (): string[] => ['--receiver', 'qdnd'];

  beforeAll(async () => {
    fx = await startOpsFixture('dlq');
    signed = await fx.deadLetter('person', 'bad-signature', 'signature does not verify', [1, 2], { full_name: NAME });
    // A provider that published a field the agreement does not share (father_name): a forged event.
    const personFields = fx.doc.data.entities.find((e) => e.entity === 'person')!.fields;
    [forged] = await fx.deadLetter('person', 'key-not-in-agreement', 'signed by a key the agreement does not list', [3], { full_name: NAME, father_name: FATHER }, [
      ...personFields,
      'father_name',
    ]);
    [undecodable] = await fx.deadLetter('judgment', 'undecodable', 'value does not decode', [5]);
  });

  afterAll(async () => {
    await fx?.stop();
  });

  it('lists dead letters by agreement, entity, reason and time, without their contents', async () => {
    const all = await thahs(['dlq', 'list', ...side(), '--agreement', fx.agreementId, '--from', '1h', '--json'], fx.env());
    expect(all.code).toBe(0);
    const r = JSON.parse(all.stdout) as { total: number; rows: { id: string; entity: string; reason: string; eventId: string | null; offset: string }[] };
    expect(r.total).toBe(4);
    expect(r.rows.map((x) => [x.entity, x.reason, x.offset])).toEqual([
      ['person', 'bad-signature', '1'],
      ['person', 'bad-signature', '2'],
      ['person', 'key-not-in-agreement', '3'],
      ['judgment', 'undecodable', '5'],
    ]);
    expect(r.rows.every((x) => /^cand:[0-9A-F]+\/[0-9A-F]+:0$/.test(x.eventId ?? ''))).toBe(true);
    expect(all.stdout).not.toContain(NAME);
    expect(all.stdout).not.toContain('signature does not verify');

    const narrow = await thahs(['dlq', 'list', ...side(), '--entity', 'person', '--reason', 'bad-signature'], fx.env());
    expect(narrow.code).toBe(0);
    expect(narrow.stdout.trim().split('\n')).toHaveLength(3);
    const later = await thahs(['dlq', 'list', ...side(), '--from', new Date(Date.now() + 60_000).toISOString(), '--json'], fx.env());
    expect((JSON.parse(later.stdout) as { total: number }).total).toBe(0);
  });

  it('shows the meta, the key and which agreed fields are set; values only with --values, never outside the agreement; the read is logged', async () => {
    const plain = await thahs(['dlq', 'show', forged.id, ...side(), '--operator', 'ops-test'], fx.env());
    expect(plain.code).toBe(0);
    const s = JSON.parse(plain.stdout) as {
      reason: string;
      detail: string;
      meta: { agreementId: string; entity: string };
      judgedBy: { version: number };
      key: { decoded: boolean; id: string };
      value: { decoded: boolean; fields: { name: string; isNull: boolean; value?: unknown }[]; outsideAgreement: string[] };
    };
    expect(s).toMatchObject({
      reason: 'key-not-in-agreement',
      detail: 'signed by a key the agreement does not list',
      meta: { agreementId: fx.agreementId, entity: 'person' },
      judgedBy: { version: 1 },
    });
    expect(s.key).toMatchObject({ decoded: true, id: forged.recordId });
    expect(s.value.decoded).toBe(true);
    expect(s.value.fields.find((f) => f.name === 'full_name')).toEqual({ name: 'full_name', isNull: false });
    expect(s.value.fields.some((f) => f.name === 'father_name')).toBe(false);
    expect(s.value.outsideAgreement).toEqual(['father_name']);
    expect(plain.stdout).not.toContain(NAME);
    expect(plain.stdout).not.toContain(FATHER);

    const withValues = await thahs(['dlq', 'show', forged.id, ...side(), '--values', '--operator', 'ops-test'], fx.env());
    expect(withValues.code).toBe(0);
    expect(withValues.stdout).toContain(NAME);
    expect(withValues.stdout).not.toContain(FATHER);

    const log = await fx.receiver.query<{ who: string; what: string; purpose: string }>(
      `SELECT who, what, purpose FROM partner_state.access_log WHERE who = 'ops-test' ORDER BY id`,
    );
    expect(log.rows).toEqual([
      { who: 'ops-test', what: `partner_state.dead_letter ${forged.id} (${fx.agreementId}/person): meta, key, agreed fields`, purpose: 'EXCHANGE_MAINTENANCE' },
      { who: 'ops-test', what: `partner_state.dead_letter ${forged.id} (${fx.agreementId}/person): meta, key, agreed fields with values`, purpose: 'EXCHANGE_MAINTENANCE' },
    ]);
  });

  it('discards with a recorded reason, and refuses without one', async () => {
    const noReason = await thahs(['dlq', 'discard', signed[0].id, ...side()], fx.env());
    expect(noReason.code).not.toBe(0);
    expect(noReason.stderr).toContain("required option '--reason <text>' not specified");

    const r = await thahs(['dlq', 'discard', signed[0].id, signed[1].id, ...side(), '--reason', 'replayed by the provider after the key fix', '--operator', 'ops-test'], fx.env());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2 dead letter(s) discarded and recorded in partner_state.operator_action');
    const left = await fx.receiver.query<{ id: string }>('SELECT id::text AS id FROM partner_state.dead_letter ORDER BY id');
    expect(left.rows.map((x) => x.id)).toEqual([forged.id, undecodable.id]);
    const recorded = await fx.receiver.query<{
      who: string;
      reason: string;
      result: string;
      subject: { deadLetterId: string; deadLetterReason: string; offset: string; entity: string };
    }>(`SELECT who, reason, result, subject FROM partner_state.operator_action WHERE action = 'dlq.discard' ORDER BY id`);
    expect(recorded.rows.map((x) => [x.who, x.reason, x.result, x.subject.deadLetterId, x.subject.deadLetterReason, x.subject.offset, x.subject.entity])).toEqual([
      ['ops-test', 'replayed by the provider after the key fix', 'done', signed[0].id, 'bad-signature', '1', 'person'],
      ['ops-test', 'replayed by the provider after the key fix', 'done', signed[1].id, 'bad-signature', '2', 'person'],
    ]);
    // The record cannot be edited or removed afterwards.
    await expect(fx.receiver.query(`UPDATE partner_state.operator_action SET reason = 'rewritten'`)).rejects.toThrow(/append-only/);
    await expect(fx.receiver.query('DELETE FROM partner_state.operator_action')).rejects.toThrow(/append-only/);

    const again = await thahs(['dlq', 'discard', signed[0].id, ...side(), '--reason', 'twice'], fx.env());
    expect(again.code).toBe(1);
    expect(again.stdout).toContain(`not found (already discarded, or not in this database): ${signed[0].id}`);

    const matching = await thahs(
      [
        'dlq',
        'discard',
        ...side(),
        '--all-matching',
        '--agreement',
        fx.agreementId,
        '--dead-letter-reason',
        'undecodable',
        '--reason',
        'provider re-published the judgment',
        '--json',
      ],
      fx.env(),
    );
    expect(matching.code).toBe(0);
    expect((JSON.parse(matching.stdout) as { discarded: { deadLetter: { id: string } }[] }).discarded.map((d) => d.deadLetter.id)).toEqual([undecodable.id]);
  });
});
