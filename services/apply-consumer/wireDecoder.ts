import { Type } from 'avsc';
import { createAvroType } from '../../libs/contracts/avroType';
import { EventRejection } from './eventRejection';
import { SchemaSource } from './schemaSource';

/** Writer schema of one registry id, built once. */
type Writer = { type: Type; name: string } | { problem: 'unknown-schema' | 'wrong-schema'; detail: string };

/**
 * Decodes Confluent wire-format payloads (magic byte 0, 4-byte big-endian schema id, Avro body) into the
 * canonical record of a contract type. The writer schema is fetched once per id; data written with an
 * older compatible schema is resolved to the contract the consumer reads with. The id must name the
 * expected record: a valid payload of another entity is refused, not misread.
 */
export class WireDecoder {
  private readonly writers = new Map<number, Promise<Writer>>();
  /** Writers already loaded, for the synchronous path: no promise to await per event. */
  private readonly ready = new Map<number, Writer>();
  private readonly resolvers = new Map<string, ReturnType<Type['createResolver']> | null | string>();
  private readonly readerIds = new WeakMap<Type, number>();
  private nextReaderId = 0;

  constructor(private readonly source: SchemaSource) {}

  /** The schema id a wire-format payload names, or undefined when it is not in the wire format. */
  static schemaIdOf(buf: Buffer | null): number | undefined {
    return buf !== null && buf.length >= 5 && buf[0] === 0 ? buf.readUInt32BE(1) : undefined;
  }

  /** Loads the writer schemas of these ids, so decodeLoaded can run without awaiting per event (a registry outage throws here). */
  async loadSchemas(ids: Iterable<number>): Promise<void> {
    for (const id of new Set(ids)) if (!this.ready.has(id)) this.ready.set(id, await this.writer(id));
  }

  async decode(buf: Buffer, reader: Type, part: 'key' | 'value'): Promise<Record<string, unknown>> {
    const id = WireDecoder.schemaIdOf(buf);
    if (id !== undefined) await this.loadSchemas([id]);
    return this.decodeLoaded(buf, reader, part);
  }

  /** Decodes a payload whose schema id was loaded before (loadSchemas); throws if it was not. */
  decodeLoaded(buf: Buffer, reader: Type, part: 'key' | 'value'): Record<string, unknown> {
    if (buf.length < 5 || buf[0] !== 0) throw new EventRejection('undecodable', `${part} is not in the schema-registry wire format (magic byte 0 and schema id)`);
    const id = buf.readUInt32BE(1);
    const writer = this.ready.get(id);
    if (!writer) throw new Error(`schema id ${id} was not loaded before decoding`);
    if ('problem' in writer) throw new EventRejection(writer.problem, `${part} schema id ${id}: ${writer.detail}`);
    const readerName = reader.name ?? '';
    if (writer.name !== readerName) throw new EventRejection('wrong-schema', `${part} schema id ${id} is ${writer.name}, expected ${readerName}`);
    const resolver = this.resolver(id, writer.type, reader);
    if (typeof resolver === 'string') throw new EventRejection('wrong-schema', `${part} schema id ${id} cannot be read as ${readerName}: ${resolver}`);
    try {
      const value = resolver === null ? reader.fromBuffer(buf.subarray(5)) : reader.fromBuffer(buf.subarray(5), resolver);
      return value as Record<string, unknown>;
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
    if (found === null) return { problem: 'unknown-schema', detail: 'not known to the registry' };
    if ('unusable' in found) return { problem: 'wrong-schema', detail: found.unusable };
    try {
      const type = createAvroType(found.schema);
      return { type, name: type.name ?? '(unnamed)' };
    } catch (err) {
      return { problem: 'wrong-schema', detail: `not a usable Avro schema: ${(err as Error).message}` };
    }
  }

  /** null: the writer is the reader's own schema; a string: why it cannot be resolved. */
  private resolver(id: number, writer: Type, reader: Type): ReturnType<Type['createResolver']> | null | string {
    let readerId = this.readerIds.get(reader);
    if (readerId === undefined) {
      readerId = this.nextReaderId++;
      this.readerIds.set(reader, readerId);
    }
    const key = `${id}\u0000${readerId}`;
    if (!this.resolvers.has(key)) {
      let r: ReturnType<Type['createResolver']> | null | string;
      if (writer.fingerprint('sha256').equals(reader.fingerprint('sha256'))) r = null;
      else {
        try {
          r = reader.createResolver(writer);
        } catch (err) {
          r = (err as Error).message;
        }
      }
      this.resolvers.set(key, r);
    }
    return this.resolvers.get(key)!;
  }
}
