import { createAvroType } from './avroType';

describe('createAvroType', () => {
  it('builds each schema in its own name registry, so shared enum names never clash', () => {
    const withEnum = (ns: string) => ({
      type: 'record',
      name: 'Value',
      namespace: ns,
      fields: [{ name: 'm', type: { type: 'enum', name: 'Ministry', namespace: 'vn.thahs.common', symbols: ['CAND', 'QDND'] } }],
    });
    expect(() => {
      createAvroType(withEnum('vn.thahs.a'));
      createAvroType(withEnum('vn.thahs.b'));
    }).not.toThrow();
  });
});
