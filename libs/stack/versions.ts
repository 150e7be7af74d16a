/**
 * Server versions of the local stack. Kafka: the newest 4.x release that our kafkajs integration tests
 * pass against (see README). Apicurio 3.x serves the Confluent-compatible API under /apis/ccompat/v7.
 */
export const KAFKA_VERSION = '4.4.0';
export const LOG4J_VERSION = '2.24.3';
// 3.1+ is built for Java 21, which Debian bookworm does not package; 3.0.x runs on Java 17.
export const APICURIO_VERSION = '3.0.9';
export const MIN_JAVA_MAJOR = 17;
