import type { Ministry, SubjectPart } from './contractTypes';

/**
 * Names on the exchange platform, per agreement (Art. 3.4, 10.1): a provider publishes an entity only to
 * the topics of the agreements that share it, each holding only that agreement's projected fields and
 * rows. Agreement ids are 3–64 of `A-Z a-z 0-9 . _ -` (docs/agreements.md), all legal in topic names;
 * an id may contain dots, so a topic is read from both ends: provider second, entity last.
 */
export const DEFAULT_TOPIC_PREFIX = 'thahs';

const ENTITY = /^[a-z][a-z0-9_]*$/;
const AGREEMENT_ID = /^[A-Za-z0-9._-]{3,64}$/;

/** `<prefix>.<provider>.<agreement>.<entity>`: one agreement's events of one entity. */
export function agreementTopic(prefix: string, provider: Ministry, agreementId: string, entity: string): string {
  if (!AGREEMENT_ID.test(agreementId)) throw new RangeError(`agreement id ${JSON.stringify(agreementId)} cannot name a topic`);
  if (!ENTITY.test(entity)) throw new RangeError(`entity ${JSON.stringify(entity)} cannot name a topic`);
  return `${prefix}.${provider}.${agreementId}.${entity}`;
}

export interface AgreementTopicName {
  provider: Ministry;
  agreementId: string;
  entity: string;
}

/** The parts of an agreement topic under `prefix`, or null when `topic` is not one. */
export function parseAgreementTopic(prefix: string, topic: string): AgreementTopicName | null {
  const head = `${prefix}.`;
  if (!topic.startsWith(head)) return null;
  const rest = topic.slice(head.length);
  const firstDot = rest.indexOf('.');
  const lastDot = rest.lastIndexOf('.');
  if (firstDot < 0 || lastDot <= firstDot) return null;
  const provider = rest.slice(0, firstDot);
  const agreementId = rest.slice(firstDot + 1, lastDot);
  const entity = rest.slice(lastDot + 1);
  if ((provider !== 'cand' && provider !== 'qdnd') || !AGREEMENT_ID.test(agreementId) || !ENTITY.test(entity)) return null;
  return { provider, agreementId, entity };
}

/** TopicNameStrategy subject of an agreement topic: `<topic>-key` / `<topic>-value`. */
export function agreementSubject(topic: string, part: SubjectPart): string {
  return `${topic}-${part}`;
}

/**
 * `<prefix>.dlq.<receiver>.<agreement>`: the receiver's dead letters of one agreement, kept apart so
 * they can be purged with the agreement's partner data at its end (element 10).
 */
export function dlqTopic(prefix: string, receiver: Ministry, agreementId: string): string {
  if (!AGREEMENT_ID.test(agreementId)) throw new RangeError(`agreement id ${JSON.stringify(agreementId)} cannot name a topic`);
  return `${prefix}.dlq.${receiver}.${agreementId}`;
}

/** The consumer group that applies one agreement in the receiver's database. */
export function applyGroupId(prefix: string, agreementId: string, receiver: Ministry): string {
  return `${prefix}-apply-${agreementId}-${receiver}`;
}
