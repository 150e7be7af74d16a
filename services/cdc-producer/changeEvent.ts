import type { EventMeta } from '../../libs/events';
import type { SigningKey } from '../../libs/signing';

/** Where an event goes and who signs it: an agreement's topic, its key schema, the provider body's key. */
export interface EventRoute {
  readonly topic: string;
  readonly key: SigningKey;
  encodeKey(id: string): Buffer;
}

/** One row change of one agreement ready to publish: its key, projected Avro value in wire format (null for a delete) and meta. */
export interface ChangeEvent {
  route: EventRoute;
  id: string;
  value: Buffer | null;
  meta: EventMeta;
}
