import { Pool } from 'pg';
import type { ContractLookup } from '../agreements';
import type { Ministry } from '../contracts/contractTypes';
import { createKafka } from '../kafka';
import type { Logger } from '../logger';
import { AgreementExchangeClient } from './agreementExchangeClient';
import { AgreementStore } from './agreementStore';
import { PartyKeyError } from './exchangeErrors';
import { databaseLabel } from './exchangeSchema';
import type { ExchangeTopics } from './exchangeTopics';
import { listPartySigningKeys, loadPartySigningKey, PartyKeyRing } from './partyKeys';

export interface OpenExchangeOptions {
  ministry: Ministry;
  /** The body acting; default: the only body of the ministry with a private key in keysDir. */
  party?: string;
  pgUrl: string;
  kafkaBrokers: string[];
  topics: ExchangeTopics;
  keysDir: string;
  contracts?: ContractLookup;
  waitMs?: number;
  waitForSync?: boolean;
  log: Logger;
}

/** One ministry's side of the exchange for a tool: its history store and, on demand, a client acting for one of its bodies. */
export interface MinistryExchange {
  readonly store: AgreementStore;
  readonly keys: PartyKeyRing;
  /** The client acting for the chosen body (loads its private key on first use). */
  client(): AgreementExchangeClient;
  close(): Promise<void>;
}

/** The body a ministry acts as: the one named, or the only one it holds a private key for. */
export function resolveParty(keysDir: string, ministry: Ministry, party?: string): string {
  if (party !== undefined) {
    if (!party.startsWith(`${ministry}.`)) throw new PartyKeyError(party, `is not a body of ${ministry}`);
    return party;
  }
  const parties = [...new Set(listPartySigningKeys(keysDir).map((k) => k.party))].filter((p) => p.startsWith(`${ministry}.`));
  if (parties.length === 1) return parties[0];
  throw new PartyKeyError(
    `${ministry}.*`,
    parties.length === 0
      ? `no party key of ${ministry} in ${keysDir}; create one with: thahs agreement keys generate --party ${ministry}.<body>`
      : `several bodies of ${ministry} hold keys (${parties.join(', ')}); choose one with --party`,
  );
}

export function openMinistryExchange(o: OpenExchangeOptions): MinistryExchange {
  const pool = new Pool({ connectionString: o.pgUrl, max: 2, application_name: `thahs-agreement-${o.ministry}` });
  const keys = PartyKeyRing.fromDir(o.keysDir);
  const store = new AgreementStore(pool, databaseLabel(o.pgUrl));
  let client: AgreementExchangeClient | undefined;
  return {
    store,
    keys,
    client: () => {
      if (!client) {
        const party = resolveParty(o.keysDir, o.ministry, o.party);
        client = new AgreementExchangeClient({
          ministry: o.ministry,
          store,
          db: pool,
          kafka: createKafka(`thahs-agreement-${o.ministry}`, o.kafkaBrokers, o.log),
          topics: o.topics,
          keys: keys.lookup,
          signingKey: loadPartySigningKey(o.keysDir, party),
          contracts: o.contracts,
          waitMs: o.waitMs,
          waitForSync: o.waitForSync,
        });
      }
      return client;
    },
    close: async () => {
      await client?.close();
      await pool.end();
    },
  };
}
