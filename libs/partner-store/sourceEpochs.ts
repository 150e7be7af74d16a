import type { SourcePosition } from '../events';
import { quoteIdent, STATE_SCHEMA } from './sqlNames';
import type { Queryable } from './stateSchema';

const S = quoteIdent(STATE_SCHEMA);

/**
 * LSNs of one epoch are below 2^53 (encodeMeta refuses larger ones), so an epoch's ordinal fits in the
 * bits above them: a stored position is (ordinal · 2^53 + LSN, index), and a change of any later epoch
 * orders after every change of an earlier one while the apply SQL keeps comparing plain pg_lsn pairs.
 * 2,047 epochs fit in a pg_lsn.
 */
const EPOCH_SHIFT = 53n;
const MAX_ORDINAL = 2047;

export const SOURCE_EPOCH_DDL = `CREATE TABLE IF NOT EXISTS ${S}.source_epoch (
    partner_schema text NOT NULL,
    epoch text NOT NULL CHECK (epoch <> ''),
    ordinal integer NOT NULL CHECK (ordinal >= 0 AND ordinal <= ${MAX_ORDINAL}),
    first_event text NOT NULL,
    first_seen timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (partner_schema, epoch),
    UNIQUE (partner_schema, ordinal)
  )`;

/** Serialises the numbering of a new epoch among the consumers sharing a partner schema. */
const EPOCH_LOCK = 741_950_102;

/** What admitting an epoch found: the ordinal, and the epoch the store knew last when this one is new. */
export interface EpochAdmission {
  epoch: string;
  ordinal: number;
  /** Set when this admission numbered the epoch and an earlier one existed: the source changed cluster. */
  replaced?: string;
}

/**
 * The source epochs (system identifiers of the provider's PostgreSQL cluster) a partner schema has
 * received, numbered in the order first seen. A provider restored onto another cluster restarts its
 * LSNs, lower than the ones stored: positions are compared as (epoch ordinal, LSN, index), so the new
 * cluster's changes — its re-snapshot first — supersede the old cluster's, and a replay of the old
 * cluster's events cannot overwrite them. The first epoch a schema records is taken to be the one its
 * existing rows were written in (ordinal 0: their stored positions are unchanged).
 */
export class SourceEpochs {
  private readonly ordinals = new Map<string, number>();

  constructor(private readonly partnerSchema: string) {}

  async load(db: Queryable): Promise<void> {
    const r = await db.query(`SELECT epoch, ordinal FROM ${S}.source_epoch WHERE partner_schema = $1`, [this.partnerSchema]);
    for (const row of r.rows as { epoch: string; ordinal: number }[]) this.ordinals.set(row.epoch, row.ordinal);
  }

  has(epoch: string): boolean {
    return this.ordinals.has(epoch);
  }

  /** The position as stored: the epoch's ordinal above the LSN. The epoch must have been admitted. */
  stored(epoch: string, p: SourcePosition): SourcePosition {
    const ordinal = this.ordinals.get(epoch);
    if (ordinal === undefined) throw new Error(`source epoch ${epoch} of ${this.partnerSchema} was not admitted`);
    return ordinal === 0 ? p : { lsn: (BigInt(ordinal) << EPOCH_SHIFT) + p.lsn, index: p.index };
  }

  /** Numbers an epoch not seen before (in its own transaction on `db`); `firstEvent` names the event that brought it. */
  async admit(db: Queryable, epoch: string, firstEvent: string): Promise<EpochAdmission> {
    const known = this.ordinals.get(epoch);
    if (known !== undefined) return { epoch, ordinal: known };
    await db.query('BEGIN');
    try {
      await db.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [EPOCH_LOCK, this.partnerSchema]);
      const r = await db.query(`SELECT epoch, ordinal FROM ${S}.source_epoch WHERE partner_schema = $1 ORDER BY ordinal`, [this.partnerSchema]);
      const rows = r.rows as { epoch: string; ordinal: number }[];
      let row = rows.find((x) => x.epoch === epoch);
      let replaced: string | undefined;
      if (!row) {
        const last = rows[rows.length - 1];
        row = { epoch, ordinal: last ? last.ordinal + 1 : 0 };
        if (row.ordinal > MAX_ORDINAL) throw new Error(`partner schema ${this.partnerSchema} has recorded ${MAX_ORDINAL + 1} source epochs, the most positions can order`);
        await db.query(`INSERT INTO ${S}.source_epoch (partner_schema, epoch, ordinal, first_event) VALUES ($1, $2, $3, $4)`, [this.partnerSchema, epoch, row.ordinal, firstEvent]);
        replaced = last?.epoch;
      }
      await db.query('COMMIT');
      for (const x of rows) this.ordinals.set(x.epoch, x.ordinal);
      this.ordinals.set(epoch, row.ordinal);
      return replaced === undefined ? { epoch, ordinal: row.ordinal } : { epoch, ordinal: row.ordinal, replaced };
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }
}
