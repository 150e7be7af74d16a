import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Kafka } from 'kafkajs';
import { ensureTopics, topicMaxMessageBytes } from '../../libs/kafka';
import type { PublicationPlan, RouteRules } from './agreementPlan';
import { EventEncoder } from './eventEncoder';

/**
 * Makes the platform ready for a publication plan before anything is routed by it: the topics of
 * every agreement that has not ended (created compacted, as many partitions as asked) and, per
 * agreement version, the key schema and the projected value schema registered under the topic's
 * subjects — where the registry's compatibility rule checks each version's projection against the
 * ones before. Topics of an ended agreement are never created again (the receiver deletes them when
 * element 10 falls due).
 */
export class RouteProvisioner {
  /** Per topic and projection (field list), the registered schemas. */
  private readonly encoders = new Map<string, EventEncoder>();
  private readonly topics = new Set<string>();
  private readonly partitionCounts = new Map<string, number>();

  constructor(
    private readonly kafka: Kafka,
    private readonly registry: SchemaRegistry,
    private readonly partitions: number,
  ) {}

  private static keyOf(rules: RouteRules): string {
    return `${rules.topic}\u0000${rules.projection.fields.join(',')}`;
  }

  /** Creates what the plan needs and is missing; returns the smallest max.message.bytes of its topics (undefined with none). */
  async provision(plan: PublicationPlan, nowMs: number): Promise<number | undefined> {
    const wanted: string[] = [];
    for (const a of plan.agreements) {
      if (a.ended(nowMs)) continue;
      for (const entity of a.entities) {
        wanted.push(a.topic(entity));
        for (const v of a.state.versions) {
          if (v.status !== 'confirmed') continue;
          const rules = a.rules(v.version, entity);
          if (!rules) continue;
          const k = RouteProvisioner.keyOf(rules);
          if (!this.encoders.has(k)) this.encoders.set(k, await EventEncoder.register(this.registry, rules.topic, rules.projection.projected));
        }
      }
    }
    const missing = wanted.filter((t) => !this.topics.has(t));
    if (missing.length > 0) {
      await ensureTopics(
        this.kafka,
        missing.map((topic) => ({ topic, partitions: this.partitions, cleanup: 'compact' as const })),
      );
      for (const t of missing) this.topics.add(t);
      await this.readPartitionCounts(missing);
    }
    return wanted.length === 0 ? undefined : topicMaxMessageBytes(this.kafka, wanted);
  }

  /** Partitions of a provisioned topic (the events' sequence is per partition: PartitionSequencer). */
  partitionsOf(topic: string): number | undefined {
    return this.partitionCounts.get(topic);
  }

  private async readPartitionCounts(topics: readonly string[]): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics: [...topics] });
      for (const t of meta) if (t.partitions.length > 0) this.partitionCounts.set(t.name, t.partitions.length);
    } finally {
      await admin.disconnect();
    }
  }

  /** The registered schemas of a version's projection; provision() registered them. */
  encoderFor(rules: RouteRules): EventEncoder | undefined {
    return this.encoders.get(RouteProvisioner.keyOf(rules));
  }
}
