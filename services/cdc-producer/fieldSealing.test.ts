import { generateKeyPairSync } from 'crypto';
import { publicKeySha256, FIELD_ENCRYPTION_ALGORITHM } from '../../libs/agreements';
import { Type } from 'avsc';
import { FieldOpener } from '../../libs/field-encryption';
import type { RouteRules } from './agreementPlan';
import { routeSealer, SEAL_SLACK, writeSealed } from './fieldSealing';
import { providerKeysOf } from './providerKeys';

const KEY_ID = 'qdnd-enc-20261202-0a1b2c3d';
const pair = generateKeyPairSync('x25519');
const rules = (sealTo?: RouteRules['sealTo']): RouteRules => ({ agreementId: 'TTDL-X', ...(sealTo ? { sealTo } : {}) }) as RouteRules;
const bound = { algorithm: FIELD_ENCRYPTION_ALGORITHM, keyId: KEY_ID, publicKeySha256: publicKeySha256(pair.publicKey) };

describe('field sealing in the producer', () => {
  it('has no sealer for a version sealing nothing, and none (the route cannot publish) without the bound receiver key', () => {
    expect(routeSealer(rules(), providerKeysOf([]))).toBeUndefined();
    expect(routeSealer(rules(bound), providerKeysOf([]))).toBeNull();
    const other = generateKeyPairSync('x25519').publicKey;
    expect(routeSealer(rules(bound), providerKeysOf([], new Map([[KEY_ID, other]])))).toBeNull();
    const keys = providerKeysOf([], new Map([[KEY_ID, pair.publicKey]]));
    const s = routeSealer(rules(bound), keys);
    expect(s).not.toBeNull();
    // one data key per agreement and receiver key
    expect(routeSealer(rules(bound), keys)).toBe(s);
  });

  it('writes Avro bytes holding the envelope, which opens to the text for that row and field only', () => {
    const sealer = routeSealer(rules(bound), providerKeysOf([], new Map([[KEY_ID, pair.publicKey]])))!;
    const src = Buffer.from('xxPhật giáoyy', 'utf8');
    const buf = Buffer.alloc(src.length + SEAL_SLACK);
    const end = writeSealed(sealer, 'person', 'religion', 'row-1', src, 2, src.length - 2, buf, 0);
    const sealed = Type.forSchema('bytes').fromBuffer(buf.subarray(0, end)) as Buffer;
    expect(sealed.includes(Buffer.from('Phật'))).toBe(false);
    const opener = new FieldOpener(new Map([[KEY_ID, pair.privateKey]]));
    expect(opener.open(sealed, { entity: 'person', field: 'religion', rowKey: 'row-1' }, 'TTDL-X').toString('utf8')).toBe('Phật giáo');
    expect(() => opener.open(sealed, { entity: 'person', field: 'religion', rowKey: 'row-2' })).toThrow(/does not authenticate/);
  });
});
