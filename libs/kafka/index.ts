export { createKafka } from './kafkaClient';
export { ensureTopics } from './topicProvisioner';
export type { TopicSpec } from './topicProvisioner';
