import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bookkeeping beside the model, in schema `thahs_meta` (which also holds the migrations table), so
 * that schema `thahs` holds exactly the exchanged tables and a publication or a reconciliation scan
 * can take the whole schema without filtering.
 * - database_ministry: the ministry this database belongs to, written once by migrate(); tools refuse
 *   to write one ministry's data into the other's database.
 * - datagen_run: progress of `thahs seed` runs, updated in the same transaction as each batch, so an
 *   append or a resumed run knows which generator ordinals a seed has already used.
 */
export class CreateModelMeta1795737600001 implements MigrationInterface {
  name = 'CreateModelMeta1795737600001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE thahs_meta.database_ministry (
      singleton boolean NOT NULL DEFAULT true,
      ministry text NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT database_ministry_pkey PRIMARY KEY (singleton),
      CONSTRAINT database_ministry_singleton CHECK (singleton),
      CONSTRAINT database_ministry_ministry_code CHECK (ministry IN ('CAND', 'QDND'))
    )`);
    await q.query(`CREATE TABLE thahs_meta.datagen_run (
      run_id bigint GENERATED ALWAYS AS IDENTITY,
      seed bigint NOT NULL,
      first_ordinal bigint NOT NULL,
      persons_requested bigint NOT NULL,
      persons_done bigint NOT NULL DEFAULT 0,
      rows_written bigint NOT NULL DEFAULT 0,
      started_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz,
      CONSTRAINT datagen_run_pkey PRIMARY KEY (run_id),
      CONSTRAINT datagen_run_progress_range CHECK (persons_done BETWEEN 0 AND persons_requested AND first_ordinal >= 0)
    )`);
    await q.query(`CREATE INDEX datagen_run_seed_idx ON thahs_meta.datagen_run (seed)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE thahs_meta.datagen_run`);
    await q.query(`DROP TABLE thahs_meta.database_ministry`);
  }
}
