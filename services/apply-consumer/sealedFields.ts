import { EventRejection } from './eventRejection';
import type { DeclaredPolicy, PolicyRecord } from './policyResolver';

/**
 * The receiver's check that the provider sealed what the event's version seals, and only that: a
 * tier-3 value arriving in the clear under a version naming the receiver's key is a policy violation
 * (dead-lettered without its value bytes), never stored. The writer schema says which fields are bytes
 * (checkProjectedSchema, `writerSealed`); the decoded record holds a Buffer exactly there.
 */
export function checkSealed(declared: DeclaredPolicy, writerSealed: readonly string[], record: PolicyRecord): void {
  const sealed = declared.sealed ?? NONE;
  // Both lists are fixed per version and per schema id: with neither naming a field, no value can be a
  // Buffer nor be owed one, and the walk over every field of every event is skipped.
  if (sealed.length === 0 && writerSealed.length === 0) return;
  const values = record as Readonly<Record<string, unknown>>;
  for (const f of Object.keys(values)) {
    const v = values[f];
    if (v === null || v === undefined) continue;
    const isSealed = Buffer.isBuffer(v);
    if (sealed.includes(f) && !isSealed)
      throw new EventRejection('policy-violation', `${f} arrived in the clear, but agreement ${declared.agreementId} v${declared.version} seals it`);
    if (!sealed.includes(f) && isSealed)
      throw new EventRejection('policy-violation', `${f} arrived sealed, but agreement ${declared.agreementId} v${declared.version} does not seal it`);
  }
}

const NONE: readonly string[] = [];
