import { APPLY_SESSION_OPTIONS, withApplySessionOptions } from './applySession';

describe('withApplySessionOptions', () => {
  it('adds the apply session options and keeps every other part of the URL', () => {
    const u = new URL(withApplySessionOptions('postgres://thahs:p%40ss@127.0.0.1:25432/thahs?sslmode=verify-full&sslrootcert=%2Fca.pem'));
    expect(u.searchParams.get('options')).toBe(APPLY_SESSION_OPTIONS);
    expect([u.protocol, decodeURIComponent(u.username), decodeURIComponent(u.password), u.hostname, u.port, u.pathname]).toEqual([
      'postgres:',
      'thahs',
      'p@ss',
      '127.0.0.1',
      '25432',
      '/thahs',
    ]);
    expect(u.searchParams.get('sslmode')).toBe('verify-full');
    expect(u.searchParams.get('sslrootcert')).toBe('/ca.pem');
  });

  it("appends to the URL's own options instead of replacing them", () => {
    const u = new URL(withApplySessionOptions('postgres://u@h:1/d?options=-c%20search_path%3Dx'));
    expect(u.searchParams.get('options')).toBe(`-c search_path=x ${APPLY_SESSION_OPTIONS}`);
  });

  it('returns a URL it cannot parse unchanged', () => {
    expect(withApplySessionOptions('not a url')).toBe('not a url');
  });
});
