import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Schema `agreement` in each ministry's database: the agreement history both ministries hold (Art. 13:
 * changes recorded and kept), the requests between them, and what was refused on the way.
 * - agreement_event / request_event: every accepted signed event, byte-exact (canonical JSON), in
 *   order; append-only — a trigger refuses UPDATE, DELETE and TRUNCATE, so a history can only grow.
 * - agreement_state / request: the current summary of each, rewritten with every accepted event
 *   (listing without replaying).
 * - rejected_event: every message the sync service refused (forged, out of chain, not allowed), with
 *   the reason and the raw bytes as evidence; append-only too.
 * - party_key: the public keys that verified accepted events, so the stored history can be verified
 *   again from the database alone.
 * - consumer_position: the next offset of each topic partition, written in the same transaction as
 *   the event it follows, so a redelivered message is recognised and skipped (exactly-once storage).
 */
export class CreateAgreementExchange1795824000000 implements MigrationInterface {
  name = 'CreateAgreementExchange1795824000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION agreement.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'agreement.%: the history is append-only (% refused)', TG_TABLE_NAME, TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);

    await q.query(`CREATE TABLE agreement.agreement_event (
      agreement_id text NOT NULL,
      seq integer NOT NULL,
      event_hash char(64) NOT NULL,
      kind text NOT NULL,
      version integer NOT NULL,
      actor text NOT NULL,
      key_id text NOT NULL,
      at timestamptz NOT NULL,
      prev_hash char(64),
      event_json text NOT NULL,
      source_topic text NOT NULL,
      source_partition integer NOT NULL,
      source_offset bigint NOT NULL,
      stored_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT agreement_event_pkey PRIMARY KEY (agreement_id, seq),
      CONSTRAINT agreement_event_hash_key UNIQUE (event_hash),
      CONSTRAINT agreement_event_source_key UNIQUE (source_topic, source_partition, source_offset),
      CONSTRAINT agreement_event_chain CHECK (seq >= 1 AND (seq = 1) = (prev_hash IS NULL))
    )`);

    await q.query(`CREATE TABLE agreement.agreement_state (
      agreement_id text NOT NULL,
      provider text NOT NULL,
      title_vi text,
      parties text[] NOT NULL,
      latest_version integer NOT NULL,
      latest_version_status text NOT NULL,
      confirmed_version integer,
      terminated_at timestamptz,
      event_count integer NOT NULL,
      last_event_hash char(64) NOT NULL,
      last_event_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT agreement_state_pkey PRIMARY KEY (agreement_id)
    )`);

    await q.query(`CREATE TABLE agreement.party_key (
      key_id text NOT NULL,
      party text NOT NULL,
      public_key_pem text NOT NULL,
      first_used_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT party_key_pkey PRIMARY KEY (key_id)
    )`);

    await q.query(`CREATE TABLE agreement.request (
      request_id uuid NOT NULL,
      type text NOT NULL,
      agreement_id text NOT NULL,
      requester text NOT NULL,
      recipient text NOT NULL,
      status text NOT NULL,
      opened_at timestamptz NOT NULL,
      last_event_at timestamptz NOT NULL,
      event_count integer NOT NULL,
      last_event_hash char(64) NOT NULL,
      state_json jsonb NOT NULL,
      CONSTRAINT request_pkey PRIMARY KEY (request_id),
      CONSTRAINT request_type_check CHECK (type IN ('data_error', 'usage_report')),
      CONSTRAINT request_status_check CHECK (status IN ('reported', 'acknowledged', 'resolved', 'requested', 'answered', 'refused'))
    )`);
    await q.query(`CREATE INDEX request_agreement_idx ON agreement.request (agreement_id, opened_at)`);

    await q.query(`CREATE TABLE agreement.request_event (
      request_id uuid NOT NULL,
      seq integer NOT NULL,
      event_hash char(64) NOT NULL,
      kind text NOT NULL,
      actor text NOT NULL,
      key_id text NOT NULL,
      at timestamptz NOT NULL,
      prev_hash char(64),
      basis_hash char(64) NOT NULL,
      event_json text NOT NULL,
      source_topic text NOT NULL,
      source_partition integer NOT NULL,
      source_offset bigint NOT NULL,
      stored_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT request_event_pkey PRIMARY KEY (request_id, seq),
      CONSTRAINT request_event_hash_key UNIQUE (event_hash),
      CONSTRAINT request_event_source_key UNIQUE (source_topic, source_partition, source_offset),
      CONSTRAINT request_event_chain CHECK (seq >= 1 AND (seq = 1) = (prev_hash IS NULL))
    )`);

    await q.query(`CREATE TABLE agreement.rejected_event (
      source_topic text NOT NULL,
      source_partition integer NOT NULL,
      source_offset bigint NOT NULL,
      stream text NOT NULL,
      subject_id text,
      agreement_id text,
      kind text,
      actor text,
      key_id text,
      event_hash char(64),
      code text NOT NULL,
      reason text NOT NULL,
      message bytea,
      rejected_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT rejected_event_pkey PRIMARY KEY (source_topic, source_partition, source_offset),
      CONSTRAINT rejected_event_stream_check CHECK (stream IN ('agreement', 'request'))
    )`);
    await q.query(`CREATE INDEX rejected_event_hash_idx ON agreement.rejected_event (event_hash)`);

    await q.query(`CREATE TABLE agreement.consumer_position (
      topic text NOT NULL,
      partition integer NOT NULL,
      next_offset bigint NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT consumer_position_pkey PRIMARY KEY (topic, partition)
    )`);

    for (const table of ['agreement_event', 'request_event', 'rejected_event']) {
      await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON agreement.${table} FOR EACH ROW EXECUTE FUNCTION agreement.refuse_change()`);
      await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON agreement.${table} FOR EACH STATEMENT EXECUTE FUNCTION agreement.refuse_change()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['consumer_position', 'rejected_event', 'request_event', 'request', 'party_key', 'agreement_state', 'agreement_event']) {
      await q.query(`DROP TABLE agreement.${table}`);
    }
    await q.query(`DROP FUNCTION agreement.refuse_change()`);
  }
}
