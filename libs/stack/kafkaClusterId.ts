import { randomBytes } from 'crypto';

/**
 * A fresh KRaft cluster id: 16 random bytes in base64url, as Kafka's own Uuid.randomUuid makes them.
 * Kafka redraws ids that start with '-' because its storage tool's argument parser reads such a value
 * as an option ("argument --cluster-id/-t: expected one argument"); one draw in 64 did that here and
 * failed `stack up` on a fresh machine.
 */
export function newKafkaClusterId(draw: () => Buffer = () => randomBytes(16)): string {
  for (;;) {
    const id = draw().toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** The storage tool's cluster-id argument in `--name=value` form, which no parser can mistake for an option. */
export function clusterIdArgument(id: string): string {
  return `--cluster-id=${id}`;
}
