import { EventMeta } from '../../libs/events';
import { CanonicalRecord } from './contractBinding';

/** One row change ready to publish: its entity, key, new state (null for a delete) and position. */
export interface ChangeEvent {
  entity: string;
  id: string;
  record: CanonicalRecord | null;
  meta: EventMeta;
}
