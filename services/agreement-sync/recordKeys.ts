import type { PoolClient } from 'pg';
import { EXCHANGE_SCHEMA } from '../../libs/agreement-exchange';
import type { PublicKeyLookup } from '../../libs/agreements';

/** Stores the public keys an accepted event was verified with, so the history verifies from the database alone. */
export async function recordKeys(c: PoolClient, keys: PublicKeyLookup, keyIds: readonly string[]): Promise<void> {
  for (const keyId of new Set(keyIds)) {
    const k = keys(keyId);
    if (!k) continue;
    await c.query(`INSERT INTO ${EXCHANGE_SCHEMA}.party_key (key_id, party, public_key_pem) VALUES ($1, $2, $3) ON CONFLICT (key_id) DO NOTHING`, [
      keyId,
      k.party,
      k.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    ]);
  }
}
