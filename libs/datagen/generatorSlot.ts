import type { ClientBase } from 'pg';

/** How many generator runs may write to one database at the same time. */
export const GENERATOR_SLOTS = 16;
/** First key of the two-key advisory locks ('thdg'); the single-key lock space (seed runs, DDL) never overlaps it. */
const SLOT_LOCK_CLASS = 0x74686467;

export class GeneratorSlotError extends Error {
  constructor(readonly database: string) {
    super(`all ${GENERATOR_SLOTS} generator slots of ${database} are held by running generators (thahs workload, thahs seed, the npm start demo); stop one`);
    this.name = 'GeneratorSlotError';
  }
}

/**
 * Claims a generator slot of the connected database for as long as this session lasts: a session
 * advisory lock, released when the connection ends (also when the process dies). Runs holding
 * different slots hand out disjoint natural keys (KeySpace), so concurrent generators never collide
 * on a unique key, whatever their seeds.
 */
export async function claimGeneratorSlot(client: ClientBase, database: string): Promise<number> {
  for (let slot = 0; slot < GENERATOR_SLOTS; slot++) {
    const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [SLOT_LOCK_CLASS, slot]);
    if (r.rows[0]?.ok) return slot;
  }
  throw new GeneratorSlotError(database);
}
