import { parseMix } from './workload';

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
