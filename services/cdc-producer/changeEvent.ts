import { EventMeta } from '../../libs/events';

/** One row change ready to publish: its entity, key, Avro value in wire format (null for a delete) and position. */
export interface ChangeEvent {
  entity: string;
  id: string;
  value: Buffer | null;
  meta: EventMeta;
}
