import { parseAgreementTopic } from '../../libs/contracts/agreementTopics';
import { canonicalSchemaText } from '../../libs/contracts/canonicalSchema';
import { murmur2 } from '../../libs/kafka/keyPartitioner';
import type { ContractRegistry } from '../../libs/contracts/contractRegistry';
import type { EntityContract, Ministry } from '../../libs/contracts/contractTypes';
import { checkProjectedSchema } from '../../libs/contracts/projectedContract';
import { decodeEnvelope, H, headerBytes, type ReceivedMeta } from '../../libs/events';
import type { StoreChange, StoreValue } from '../../libs/partner-store';
import { EventVerifier, VerificationError } from '../../libs/signing';
import type { RawEvent } from './deadLetterMessage';
import type { EpochWatch } from './epochWatch';
import type { SequenceWatch } from './sequenceWatch';
import { checkEventLimits } from './eventLimits';
import { classifyFailure, DeadLetterReason, EventRejection } from './eventRejection';
import type { DeclaredPolicy, PolicyRecord, PolicyResolver } from './policyResolver';
import { SchemaPin, WireDecoder } from './wireDecoder';
import { checkSealed } from './sealedFields';

/** An event whose proof verified, waiting to be decoded and judged. */
interface Authentic {
  event: RawEvent;
  entity: string;
  meta: ReceivedMeta;
  key: Buffer;
}

/** What becomes of one received event. */
export type Assessment =
  | { kind: 'change'; event: RawEvent; change: StoreChange }
  | { kind: 'withheld'; event: RawEvent; entity: string }
  | { kind: 'dead-letter'; event: RawEvent; entity: string | null; reason: DeadLetterReason; detail: string };

export interface AssessorOptions {
  provider: Ministry;
  /** The agreement whose topics this consumer reads: an event of another agreement is refused. */
  agreementId: string;
  topicPrefix: string;
  contracts: ContractRegistry;
  verifier: EventVerifier;
  decoder: WireDecoder;
  policy: PolicyResolver;
  /** Partitions of a topic as the cluster has them now; undefined when not known (the check is then skipped). */
  partitionsOf?(topic: string): number | undefined;
  /** Orders positions by source epoch (a provider moved to another cluster); without it positions are compared as the meta has them. */
  epochs?: EpochWatch;
  /** Checks the provider's per-partition sequence for events that never arrived. */
  sequence?: SequenceWatch;
}

/** What pinning a value writer schema found, once per schema id: its field names, and which of them are bytes (sealed). */
interface WriterFields {
  fields: readonly string[];
  sealed: readonly string[];
}

interface Pins {
  key: SchemaPin<true>;
  value: SchemaPin<WriterFields>;
}

/**
 * Takes one event through the checks in order — authenticate the proof, read the envelope, decode key
 * and value with their writer schemas once those are pinned to the contract (the key schema exactly,
 * the value schema as the contract's projection over its own fields), check their consistency, check
 * that the provider sent no field and no row the version it names does not share (a policy
 * violation), then apply the agreement in force at the commit time (projection and filter) — and says
 * what to do with it. A failure of the event itself becomes a dead letter; a failure of the consumer's
 * surroundings (registry down) is thrown.
 */
export class EventAssessor {
  private readonly pins = new Map<string, Pins>();
  /** entityOf per topic name: parsing the name was ~4 % of the consumer's CPU, every event. */
  private readonly entities = new Map<string, string | null>();
  /**
   * What checkDeclared found for a declared version and a writer schema's fields (both kept by
   * identity: the policy per version, the decoder per schema id): the fields the version does not share,
   * and whether the event carries every field the filter reads. Only the filter itself runs per event.
   */
  private readonly declaredChecks = new WeakMap<DeclaredPolicy, WeakMap<WriterFields, { extra: string[]; filterCovered: boolean }>>();

  constructor(private readonly o: AssessorOptions) {}

  /** The entity a topic carries, or null when the topic is not `<prefix>.<provider>.<agreement>.<entity>` of this consumer's agreement. */
  entityOf(topic: string): string | null {
    const known = this.entities.get(topic);
    if (known !== undefined) return known;
    const t = parseAgreementTopic(this.o.topicPrefix, topic);
    const entity = !t || t.provider !== this.o.provider || t.agreementId !== this.o.agreementId || !this.o.contracts.has(t.entity) ? null : t.entity;
    // Events come from the subscribed topics; the bound keeps other names (dead letters being retried) from piling up.
    if (this.entities.size >= 256) this.entities.clear();
    this.entities.set(topic, entity);
    return entity;
  }

  /**
   * Assesses a chunk: every event is authenticated first, then the writer schemas the authentic ones
   * name are looked up once, then each is decoded and judged without a promise of its own. Forged
   * events never reach the registry, so they cannot make it look up ids they invent.
   */
  async assessAll(events: readonly RawEvent[]): Promise<Assessment[]> {
    const stage = events.map((e) => this.guard(e, () => this.authenticate(e)));
    const ids: number[] = [];
    for (const a of stage) {
      if ('kind' in a) continue;
      const k = WireDecoder.schemaIdOf(a.event.key);
      const v = WireDecoder.schemaIdOf(a.event.value);
      if (k !== undefined) ids.push(k);
      if (v !== undefined) ids.push(v);
    }
    await this.o.decoder.loadSchemas(ids);
    const epochs = this.o.epochs;
    const out: Assessment[] = [];
    for (const a of stage) {
      if ('kind' in a) {
        out.push(a);
        continue;
      }
      const r = this.guard(a.event, () => this.judge(a));
      // Only a change about to be applied can introduce an epoch: not the platform, nor a key the
      // agreement refuses, nor an event withheld or dead-lettered.
      if (epochs && r.kind === 'change') {
        if (!epochs.has(a.meta.sourceEpoch)) await epochs.admit(a.event, a.meta);
        r.change.position = epochs.stored(a.meta);
      }
      out.push(r);
    }
    return out;
  }

  async assess(event: RawEvent): Promise<Assessment> {
    return (await this.assessAll([event]))[0];
  }

  /** Runs one step; a failure of the event becomes its dead letter, any other failure is thrown. */
  private guard<T>(event: RawEvent, step: () => T): T | Assessment {
    try {
      return step();
    } catch (err) {
      const c = classifyFailure(err);
      if (!c) throw err;
      return { kind: 'dead-letter', event, entity: this.entityOf(event.topic), reason: c.reason, detail: c.detail };
    }
  }

  private authenticate(e: RawEvent): Authentic {
    const { provider } = this.o;
    checkEventLimits(e);
    const entity = this.entityOf(e.topic);
    if (entity === null) throw new EventRejection('invalid-event', `topic ${e.topic} does not carry an entity of ${provider}`);
    if (e.key === null) throw new EventRejection('invalid-event', 'the event has no key');

    const envelope = headerBytes(e.headers, H.event);
    if (!envelope) throw new VerificationError('missing-proof', `the event lacks the ${H.event} header`);
    // The key id sits inside the signed meta: read it first, trust nothing else until the proof checks.
    const decoded = decodeEnvelope(envelope);
    const { meta } = decoded;
    const keyId = meta.keyId;
    this.o.verifier.verifyEvent({ topic: e.topic, key: e.key, value: e.value }, keyId, decoded);

    if (meta.ministry !== provider) throw new VerificationError('wrong-ministry', `signed as ${meta.ministry}, on a topic of ${provider}`, keyId);
    if (meta.entity !== entity) throw new EventRejection('invalid-event', `header entity ${meta.entity} on the topic of ${entity}`);
    if (meta.agreementId !== this.o.agreementId) throw new EventRejection('invalid-event', `published under agreement ${meta.agreementId}, on a topic of ${this.o.agreementId}`);
    // A key lives in one partition: an old upsert copied into another one could otherwise overtake its
    // key's delete there (partitions apply concurrently) and bring a deleted row back.
    const partitions = this.o.partitionsOf?.(e.topic);
    if (partitions !== undefined && partitions > 0) {
      const expected = (murmur2(e.key) & 0x7fffffff) % partitions;
      if (expected !== e.partition) throw new EventRejection('invalid-event', `on partition ${e.partition}, but its key belongs to partition ${expected} of ${partitions}`);
    }
    this.o.sequence?.observe(e, meta);
    return { event: e, entity, meta, key: e.key };
  }

  private judge(a: Authentic): Assessment {
    const { provider, policy } = this.o;
    const { event: e, entity, meta, key: keyBytes } = a;
    const keyId = meta.keyId;
    const pins = this.pinsOf(entity);
    const key = this.o.decoder.decodePinned(keyBytes, 'key', pins.key).record;
    const decoded = e.value === null ? null : this.o.decoder.decodePinned(e.value, 'value', pins.value);
    const record = decoded === null ? null : decoded.record;
    if (typeof key.id !== 'string') throw new EventRejection('invalid-event', 'the key has no id');
    const id = key.id.toLowerCase();
    if ((meta.op === 'd') !== (record === null)) throw new EventRejection('invalid-event', `operation ${meta.op} with ${record === null ? 'no value' : 'a value'}`);
    if (record !== null && (typeof record.id !== 'string' || record.id.toLowerCase() !== id)) throw new EventRejection('invalid-event', 'the value id differs from the key id');
    if (decoded !== null) this.checkDeclared(entity, meta.agreementVersion, decoded.pinned, record as PolicyRecord);

    let applied = policy.resolve(provider, entity, meta.commitTs);
    // A delete shares nothing: one committed while the agreement was suspended still removes the row.
    if (!applied && record === null) applied = policy.resolveRemoval?.(provider, entity, meta.commitTs) ?? null;
    if (!applied) return { kind: 'withheld', event: e, entity };
    if (!applied.providerKeyIds.includes(keyId)) {
      throw new EventRejection('key-not-in-agreement', `key ${keyId} is not listed for the provider in agreement ${applied.agreementId} v${applied.version}`);
    }
    if (policy.keyAllowedNow && !policy.keyAllowedNow(provider, keyId)) {
      throw new EventRejection('key-not-in-agreement', `key ${keyId} is no longer listed for the provider in the version of ${applied.agreementId} in force now`);
    }
    let row: Record<string, StoreValue> | null = null;
    if (record !== null) {
      let shared: boolean;
      try {
        shared = applied.predicate(record as PolicyRecord);
      } catch (err) {
        throw new EventRejection('filter-error', `agreement ${applied.agreementId} v${applied.version}: ${(err as Error).message}`);
      }
      if (shared) {
        row = {};
        // Only what the event carries: a field the version in force shares and the event's version did
        // not is left as the store holds it, never overwritten with null.
        for (const f of applied.fields)
          if (f === 'id') row.id = id;
          else if (f in record) row[f] = (record[f] as StoreValue | undefined) ?? null;
      }
    }
    return {
      kind: 'change',
      event: e,
      change: {
        entity,
        id,
        position: meta.position,
        op: meta.op,
        eventId: meta.eventId,
        commitTsUs: meta.commitTs,
        agreementId: applied.agreementId,
        agreementVersion: applied.version,
        signedBy: keyId,
        row,
      },
    };
  }

  /**
   * Defence in depth: the provider applies the agreement before publishing; the receiver checks it did.
   * The event names (signed) the version whose rules the provider applied: a field or a row that version
   * does not share is a policy violation. The row filter is checked when the event carries every field
   * it reads (a filter may read fields the agreement does not share).
   */
  private checkDeclared(entity: string, version: number, writer: WriterFields, record: PolicyRecord): void {
    const declared = this.o.policy.declared?.(this.o.provider, entity, version);
    if (declared === undefined) return;
    if (declared === null) throw new EventRejection('policy-violation', `agreement ${this.o.agreementId} has no confirmed version ${version} sharing ${entity}`);
    let bySchema = this.declaredChecks.get(declared);
    if (!bySchema) {
      bySchema = new WeakMap();
      this.declaredChecks.set(declared, bySchema);
    }
    let check = bySchema.get(writer);
    if (!check) {
      const allowed = new Set(declared.fields);
      const { fields } = writer;
      check = { extra: fields.filter((f) => !allowed.has(f)), filterCovered: declared.filterFields.every((f) => fields.includes(f)) };
      bySchema.set(writer, check);
    }
    const { extra } = check;
    if (extra.length > 0) throw new EventRejection('policy-violation', `carries ${extra.join(', ')}, which agreement ${declared.agreementId} v${version} does not share`);
    checkSealed(declared, writer.sealed, record);
    if (check.filterCovered) {
      let inside: boolean;
      try {
        inside = declared.predicate(record);
      } catch (err) {
        throw new EventRejection('filter-error', `agreement ${declared.agreementId} v${version}: ${(err as Error).message}`);
      }
      if (!inside) throw new EventRejection('policy-violation', `a row outside the filter of agreement ${declared.agreementId} v${version}`);
    }
  }

  private pinsOf(entity: string): Pins {
    let p = this.pins.get(entity);
    if (!p) {
      const c: EntityContract = this.o.contracts.get(entity);
      const keyText = canonicalSchemaText(c.keySchema);
      p = {
        key: {
          key: `key:${entity}`,
          check: (schema) => (canonicalSchemaText(schema) === keyText ? { ok: true, value: true } : { ok: false, reason: `not the ${entity} contract's key schema` }),
        },
        value: {
          key: `value:${entity}`,
          check: (schema) => {
            const r = checkProjectedSchema(c, schema);
            return r.ok ? { ok: true, value: { fields: r.fields, sealed: r.sealed ?? [] } } : r;
          },
        },
      };
      this.pins.set(entity, p);
    }
    return p;
  }
}
