import { parseMix, partitionedUuid } from './workload';

describe('parseMix', () => {
  it('reads insert:update:delete shares', () => {
    expect(parseMix('70:25:5')).toEqual({ insert: 70, update: 25, delete: 5 });
    expect(parseMix('1:0:0')).toEqual({ insert: 1, update: 0, delete: 0 });
  });
  it('rejects anything else with the expected form in the message', () => {
    expect(() => parseMix('70:30')).toThrow(/insert:update:delete/);
    expect(() => parseMix('0:0:0')).toThrow(/all zero/);
  });
});

describe('partitionedUuid', () => {
  it('makes v4 uuids whose last byte lies in the share asked for', () => {
    for (const share of [
      { residue: 0, modulus: 1 },
      { residue: 5, modulus: 16 },
      { residue: 127, modulus: 128 },
      { residue: 20, modulus: 48 },
    ]) {
      for (let i = 0; i < 300; i++) {
        const id = partitionedUuid(share);
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(parseInt(id.slice(-2), 16) % share.modulus).toBe(share.residue);
      }
    }
  });
});
