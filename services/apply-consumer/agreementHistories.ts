import { promises as fs } from 'fs';
import * as path from 'path';
import { parseAgreementEvent, publicKeyRing, replayAgreementEvents, type AgreementEvent, type AgreementState } from '../../libs/agreements';
import type { ContractRegistry } from '../../libs/contracts/contractRegistry';

/** An agreement history file that cannot be read, parsed or replayed; names the file and the event. */
export class AgreementHistoryError extends Error {
  constructor(
    readonly file: string,
    reason: string,
    readonly eventIndex?: number,
  ) {
    super(`${file}${eventIndex === undefined ? '' : ` (event ${eventIndex + 1})`}: ${reason}`);
    this.name = 'AgreementHistoryError';
  }
}

const HISTORY_FILE = /\.events\.jsonl?$/;

/**
 * Reads the signed lifecycle histories of agreements from a folder: `<name>.events.json` (a JSON array
 * of events) or `<name>.events.jsonl` (one event per line), as the agreement tooling writes them. Each
 * history is replayed with the parties' public keys (`<keysDir>/public/<keyId>.pub.pem`, owned by the
 * party whose `security.keys` entry lists the key id); a refused event fails the whole file, since a
 * history that does not verify cannot say which version is in force. Unsigned agreement documents
 * (`*.yaml`) in the same folder are drafts and are not read: they put nothing in force.
 */
export async function loadAgreementHistories(dir: string, keysDir: string, contracts: ContractRegistry): Promise<AgreementState[]> {
  const names = (await fs.readdir(dir)).filter((n) => HISTORY_FILE.test(n)).sort();
  const out: AgreementState[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const events = parseHistory(file, await fs.readFile(file, 'utf8'), name.endsWith('.jsonl'));
    const keys = publicKeyRing(await partyKeys(file, events, keysDir));
    const r = replayAgreementEvents(events, keys, { contracts: (e) => (contracts.has(e) ? contracts.get(e) : undefined) });
    if (r.refusal) throw new AgreementHistoryError(file, r.refusal.message, r.applied);
    if (r.state) out.push(r.state);
  }
  return out;
}

function parseHistory(file: string, text: string, lines: boolean): AgreementEvent[] {
  let raw: unknown[];
  try {
    raw = lines
      ? text
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l) as unknown)
      : (JSON.parse(text) as unknown[]);
  } catch (err) {
    throw new AgreementHistoryError(file, `not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(raw)) throw new AgreementHistoryError(file, 'expected a JSON array of agreement events');
  return raw.map((item, i) => {
    const p = parseAgreementEvent(item);
    if (!p.ok) throw new AgreementHistoryError(file, p.issues.map((x) => `${x.path}: ${x.message}`).join('; '), i);
    return p.event;
  });
}

async function partyKeys(file: string, events: readonly AgreementEvent[], keysDir: string): Promise<{ keyId: string; party: string; publicKey: string }[]> {
  const owner = new Map<string, string>();
  for (const e of events) {
    if (e.kind !== 'draft' && e.kind !== 'join_request') continue;
    for (const k of e.payload.document.security.keys) for (const id of k.keyIds) if (!owner.has(id)) owner.set(id, k.party);
  }
  const out: { keyId: string; party: string; publicKey: string }[] = [];
  for (const [keyId, party] of owner) {
    if (!/^[a-z0-9][a-z0-9._-]{2,63}$/.test(keyId)) throw new AgreementHistoryError(file, `invalid key id "${keyId}"`);
    const pem = path.join(keysDir, 'public', `${keyId}.pub.pem`);
    try {
      out.push({ keyId, party, publicKey: await fs.readFile(pem, 'utf8') });
    } catch {
      // A key that is not installed simply cannot verify; events signed with it are refused on replay.
    }
  }
  return out;
}
