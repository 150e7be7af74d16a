export { createKafka } from './kafkaClient';
export { ensureTopics } from './topicProvisioner';
export type { TopicSpec } from './topicProvisioner';
export { fetchTopicOffsetsSettled } from './topicOffsets';
export type { PartitionOffsets } from './topicOffsets';
