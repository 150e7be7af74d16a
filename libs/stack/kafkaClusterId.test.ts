import { clusterIdArgument, newKafkaClusterId } from './kafkaClusterId';

describe('newKafkaClusterId', () => {
  it('redraws an id that would start with "-" (read as an option by the storage tool)', () => {
    const draws = [Buffer.from([0xf8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]), Buffer.alloc(16, 7)];
    expect(draws[0].toString('base64url').startsWith('-')).toBe(true);
    let i = 0;
    const id = newKafkaClusterId(() => draws[i++]);
    expect(i).toBe(2);
    expect(id).toBe(Buffer.alloc(16, 7).toString('base64url'));
  });

  it('makes 22-character base64url ids that never start with "-"', () => {
    for (let n = 0; n < 2000; n++) {
      const id = newKafkaClusterId();
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    }
  });

  it('passes the id as one --cluster-id=value argument', () => {
    expect(clusterIdArgument('-abc')).toBe('--cluster-id=-abc');
  });
});
