export { createKafka } from './kafkaClient';
export { KeyPartitioner, murmur2 } from './keyPartitioner';
export { ensureTopics, topicMaxMessageBytes, EXCHANGE_TOPIC_MAX_MESSAGE_BYTES } from './topicProvisioner';
export type { TopicSpec } from './topicProvisioner';
export { fetchTopicOffsetsSettled } from './topicOffsets';
export type { PartitionOffsets } from './topicOffsets';
export { readTopicWindow } from './topicWindow';
export type { ReceivedMessage, WindowOptions } from './topicWindow';
