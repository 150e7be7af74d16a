import { formatOwnSessions, isOwnSession, parseOwnSessions } from './ownSessions';

describe('own sessions', () => {
  const own = parseOwnSessions('thahs:thahs-apply-consumer-*, thahs:thahs-report');

  it('needs both the role and the application name to match', () => {
    expect(isOwnSession(own, 'thahs', 'thahs-apply-consumer-TTDL-CAND-QDND-2025-01-qdnd')).toBe(true);
    expect(isOwnSession(own, 'thahs', 'thahs-report')).toBe(true);
    expect(isOwnSession(own, 'thahs', 'thahs-report-2')).toBe(false);
    expect(isOwnSession(own, 'thahs', 'psql')).toBe(false);
    // A person choosing the service's application name under their own login is not hidden.
    expect(isOwnSession(own, 'analyst', 'thahs-apply-consumer-x')).toBe(false);
  });

  it('round-trips the setting and refuses entries that would hide too much or mean nothing', () => {
    expect(formatOwnSessions(own)).toBe('thahs:thahs-apply-consumer-*,thahs:thahs-report');
    expect(parseOwnSessions('')).toEqual([]);
    expect(() => parseOwnSessions('thahs')).toThrow(/role:application/);
    expect(() => parseOwnSessions(':x')).toThrow(/role:application/);
    expect(() => parseOwnSessions('thahs:')).toThrow(/role:application/);
    expect(() => parseOwnSessions('thahs:*')).toThrow(/every session/);
    expect(() => parseOwnSessions('thahs:a*b')).toThrow(/only end/);
  });
});
