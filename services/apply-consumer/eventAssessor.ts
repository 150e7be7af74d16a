import type { Type } from 'avsc';
import { createAvroType } from '../../libs/contracts/avroType';
import type { ContractRegistry } from '../../libs/contracts/contractRegistry';
import type { Ministry } from '../../libs/contracts/contractTypes';
import { decodeEnvelope, H, headerBytes, type ReceivedMeta } from '../../libs/events';
import type { StoreChange, StoreValue } from '../../libs/partner-store';
import { EventVerifier, VerificationError } from '../../libs/signing';
import type { RawEvent } from './deadLetterMessage';
import { classifyFailure, DeadLetterReason, EventRejection } from './eventRejection';
import type { PolicyRecord, PolicyResolver } from './policyResolver';
import { WireDecoder } from './wireDecoder';

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
  topicPrefix: string;
  contracts: ContractRegistry;
  verifier: EventVerifier;
  decoder: WireDecoder;
  policy: PolicyResolver;
}

/**
 * Takes one event through the checks in order — authenticate the proof, read the envelope, decode key
 * and value against the contract, check their consistency, then apply the agreement in force at the
 * commit time (projection and filter) — and says what to do with it. A failure of the event itself
 * becomes a dead letter; a failure of the consumer's surroundings (registry down) is thrown.
 */
export class EventAssessor {
  private readonly types = new Map<string, { key: Type; value: Type }>();

  constructor(private readonly o: AssessorOptions) {}

  /** The entity a topic carries, or null when the topic is not `<prefix>.<provider>.<entity>`. */
  entityOf(topic: string): string | null {
    const head = `${this.o.topicPrefix}.${this.o.provider}.`;
    if (!topic.startsWith(head)) return null;
    const entity = topic.slice(head.length);
    return this.o.contracts.has(entity) ? entity : null;
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
    return stage.map((a) => ('kind' in a ? a : this.guard(a.event, () => this.judge(a))));
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
    return { event: e, entity, meta, key: e.key };
  }

  private judge(a: Authentic): Assessment {
    const { provider, policy } = this.o;
    const { event: e, entity, meta, key: keyBytes } = a;
    const keyId = meta.keyId;
    const types = this.typesOf(entity);
    const key = this.o.decoder.decodeLoaded(keyBytes, types.key, 'key');
    const record = e.value === null ? null : this.o.decoder.decodeLoaded(e.value, types.value, 'value');
    if (typeof key.id !== 'string') throw new EventRejection('invalid-event', 'the key has no id');
    const id = key.id.toLowerCase();
    if ((meta.op === 'd') !== (record === null)) throw new EventRejection('invalid-event', `operation ${meta.op} with ${record === null ? 'no value' : 'a value'}`);
    if (record !== null && (typeof record.id !== 'string' || record.id.toLowerCase() !== id)) throw new EventRejection('invalid-event', 'the value id differs from the key id');

    const applied = policy.resolve(provider, entity, meta.commitTs);
    if (!applied) return { kind: 'withheld', event: e, entity };
    if (!applied.providerKeyIds.includes(keyId)) {
      throw new EventRejection('key-not-in-agreement', `key ${keyId} is not listed for the provider in agreement ${applied.agreementId} v${applied.version}`);
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
        for (const f of applied.fields) row[f] = f === 'id' ? id : ((record[f] as StoreValue | undefined) ?? null);
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

  private typesOf(entity: string): { key: Type; value: Type } {
    let t = this.types.get(entity);
    if (!t) {
      const c = this.o.contracts.get(entity);
      t = { key: createAvroType(c.keySchema), value: createAvroType(c.valueSchema) };
      this.types.set(entity, t);
    }
    return t;
  }
}
