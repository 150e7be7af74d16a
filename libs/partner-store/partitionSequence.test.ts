import { PARTITION_SEQUENCE_DDL, PARTITION_SEQUENCE_UPSERT, partitionSequenceParams } from './partitionSequence';
import { STATE_SCHEMA_DDL } from './stateSchema';

describe('partition sequence record', () => {
  it('is created with the bookkeeping schema, one row per group and partition', () => {
    expect(STATE_SCHEMA_DDL).toContain(PARTITION_SEQUENCE_DDL);
    expect(PARTITION_SEQUENCE_DDL).toMatch(/PRIMARY KEY \(consumer_group, topic, kafka_partition\)/);
  });

  it('records a chunk’s states in one statement that never moves a row back to an earlier offset', () => {
    expect(PARTITION_SEQUENCE_UPSERT.text).toMatch(/unnest\(/);
    expect(PARTITION_SEQUENCE_UPSERT.text).toMatch(/WHERE p\.kafka_offset <= EXCLUDED\.kafka_offset/);
    const params = partitionSequenceParams('g', 'A', [
      { topic: 't', partition: 1, run: 'r2', seq: 3, max: 5, commitUs: 1_700_000_000_000_000, offset: '42', earlier: [['r1', 9]] },
      { topic: 't', partition: 2, run: 'r2', seq: 1, max: 1, commitUs: 1, offset: '7', earlier: [] },
    ]);
    expect(params).toEqual(['g', 'A', ['t', 't'], [1, 2], ['r2', 'r2'], [3, 1], [5, 1], [1_700_000_000_000_000, 1], ['42', '7'], ['[["r1",9]]', '[]']]);
    // One placeholder per parameter.
    expect(PARTITION_SEQUENCE_UPSERT.text).toContain(`$${params.length}`);
    expect(PARTITION_SEQUENCE_UPSERT.text).not.toContain(`$${params.length + 1}`);
  });
});
