import { canonicalText } from './canonicalHash';

describe('a sealed field in the reconciliation hash', () => {
  it('is compared on presence only, the same SQL on the plaintext and the ciphertext side', () => {
    const field = { name: 'religion', kind: 'string' as const, protected: true as const };
    const provider = canonicalText(field, { type: 'text', isEnum: false }, 'r."religion"');
    const partner = canonicalText(field, { type: 'bytea', isEnum: false }, 'r."religion"');
    expect(provider).toEqual({ name: 'religion', text: `CASE WHEN r."religion" IS NULL THEN NULL ELSE 'sealed' END`, nfc: false });
    expect(partner).toEqual(provider);
    // Unsealed, a bytea column is no column for a string field.
    expect(() => canonicalText({ name: 'religion', kind: 'string' }, { type: 'bytea', isEnum: false }, 'r."religion"')).toThrow(/bytea cannot hold a string/);
  });
});
