import { Type } from 'avsc';
import { createAvroType } from '../../libs/contracts/avroType';
import { EventRejection } from './eventRejection';
import { SchemaNotFoundError, SchemaSource } from './schemaSource';

/** Writer schema of one registry id, built once. */
type Writer = { type: Type; schema: object } | { problem: 'wrong-schema'; detail: string };

/**
 * Says whether a writer schema is one this consumer accepts — the registry is run by the other
 * ministry (Art. 8.3), so what it serves under an id is checked, not trusted — and returns what the
 * check found (e.g. the projection's field names), or the reason it is refused.
 */
export interface SchemaPin<T> {
  /** Identifies the check, for its per-id cache. */
  readonly key: string;
  check(schema: object): { ok: true; value: T } | { ok: false; reason: string };
}

/**
 * Decodes Confluent wire-format payloads (magic byte 0, 4-byte big-endian schema id, Avro body) with
 * their writer schema, after the writer schema has passed a pin: a schema with the expected record but
 * renamed, reordered or retyped fields is refused as wrong-schema, so the same signed bytes cannot be
 * made to decode to other values. The writer schema is fetched once per id.
 */
export class WireDecoder {
  private readonly writers = new Map<number, Promise<Writer>>();
  /** Writers already loaded, for the synchronous path: no promise to await per event. */
  private readonly ready = new Map<number, Writer>();
  private readonly pins = new Map<string, { ok: true; value: unknown } | { ok: false; reason: string }>();

  constructor(private readonly source: SchemaSource) {}

  /** The schema id a wire-format payload names, or undefined when it is not in the wire format. */
  static schemaIdOf(buf: Buffer | null): number | undefined {
    return buf !== null && buf.length >= 5 && buf[0] === 0 ? buf.readUInt32BE(1) : undefined;
  }

  /** Loads the writer schemas of these ids, so decodePinned can run without awaiting per event (a registry outage, or an id it does not know, throws here). */
  async loadSchemas(ids: Iterable<number>): Promise<void> {
    for (const id of new Set(ids)) if (!this.ready.has(id)) this.ready.set(id, await this.writer(id));
  }

  /**
   * Decodes a payload whose schema id was loaded before (loadSchemas), with its writer schema once
   * `pin` accepts it; returns the record and what the pin found.
   */
  decodePinned<T>(buf: Buffer, part: 'key' | 'value', pin: SchemaPin<T>): { record: Record<string, unknown>; pinned: T } {
    if (buf.length < 5 || buf[0] !== 0) throw new EventRejection('undecodable', `${part} is not in the schema-registry wire format (magic byte 0 and schema id)`);
    const id = buf.readUInt32BE(1);
    const writer = this.ready.get(id);
    if (!writer) throw new Error(`schema id ${id} was not loaded before decoding`);
    if ('problem' in writer) throw new EventRejection(writer.problem, `${part} schema id ${id}: ${writer.detail}`);
    const k = `${id}\u0000${pin.key}`;
    let verdict = this.pins.get(k);
    if (!verdict) {
      verdict = pin.check(writer.schema);
      this.pins.set(k, verdict);
    }
    if (!verdict.ok) throw new EventRejection('wrong-schema', `${part} schema id ${id}: ${verdict.reason}`);
    try {
      return { record: writer.type.fromBuffer(buf.subarray(5)) as Record<string, unknown>, pinned: verdict.value as T };
    } catch (err) {
      throw new EventRejection('undecodable', `${part} body does not decode with schema id ${id}: ${(err as Error).message}`);
    }
  }

  private writer(id: number): Promise<Writer> {
    let w = this.writers.get(id);
    if (!w) {
      w = this.load(id);
      this.writers.set(id, w);
      // A registry outage must not be remembered: the next batch asks again.
      w.catch(() => this.writers.delete(id));
    }
    return w;
  }

  private async load(id: number): Promise<Writer> {
    const found = await this.source(id);
    // Not remembered: the next batch asks again (see SchemaNotFoundError).
    if (found === null) throw new SchemaNotFoundError(id);
    if ('unusable' in found) return { problem: 'wrong-schema', detail: found.unusable };
    try {
      return { type: createAvroType(found.schema), schema: found.schema };
    } catch (err) {
      return { problem: 'wrong-schema', detail: `not a usable Avro schema: ${(err as Error).message}` };
    }
  }
}
