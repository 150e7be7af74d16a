import { loadConfig, ConfigError, describeSettings } from '.';

describe('loadConfig', () => {
  it('applies documented defaults', () => {
    const c = loadConfig({});
    expect(c.candPgPort).toBe(15432);
    expect(c.kafkaBrokers).toEqual(['127.0.0.1:19092']);
    expect(c.registryUrl).toBe('http://127.0.0.1:18081/apis/ccompat/v7');
    expect(c.demo).toBe('on');
    expect(c.demoRate).toBe(5);
  });

  it('reads the local demo switch and rate', () => {
    expect(loadConfig({ THAHS_DEMO: 'off', THAHS_DEMO_RATE: '0' })).toMatchObject({ demo: 'off', demoRate: 0 });
    expect(() => loadConfig({ THAHS_DEMO: 'maybe' })).toThrow(/THAHS_DEMO="maybe": must be one of on, off/);
    expect(() => loadConfig({ THAHS_DEMO_RATE: '-1' })).toThrow(/THAHS_DEMO_RATE/);
    expect(() => loadConfig({ THAHS_DEMO_RATE: '' })).toThrow(/THAHS_DEMO_RATE/);
  });

  it('names the variable at fault', () => {
    expect(() => loadConfig({ THAHS_QDND_PG_PORT: '70000' })).toThrow(ConfigError);
    expect(() => loadConfig({ THAHS_QDND_PG_PORT: '70000' })).toThrow(/THAHS_QDND_PG_PORT="70000": must be a TCP port/);
    expect(() => loadConfig({ THAHS_KAFKA_BROKERS: 'localhost' })).toThrow(/THAHS_KAFKA_BROKERS.*"localhost" is not host:port/);
    expect(() => loadConfig({ THAHS_CAND_PG_URL: 'mysql://x' })).toThrow(/THAHS_CAND_PG_URL/);
    expect(() => loadConfig({ THAHS_LOG_LEVEL: 'loud' })).toThrow(/THAHS_LOG_LEVEL.*one of error, warn, info, debug/);
  });

  it("reads the access audit interval and the sessions it treats as the project's own", () => {
    const c = loadConfig({});
    expect(c.accessAuditIntervalSec).toBe(30);
    expect(c.accessAuditOwnSessions).toEqual([{ role: 'thahs', application: 'thahs-apply-consumer-', prefix: true }]);
    expect(loadConfig({ THAHS_ACCESS_AUDIT_OWN_SESSIONS: 'svc:thahs-report, svc:thahs-apply-*' }).accessAuditOwnSessions).toHaveLength(2);
    expect(() => loadConfig({ THAHS_ACCESS_AUDIT_OWN_SESSIONS: 'thahs-apply-consumer-*' })).toThrow(/THAHS_ACCESS_AUDIT_OWN_SESSIONS.*role:application/);
    expect(() => loadConfig({ THAHS_ACCESS_AUDIT_OWN_SESSIONS: 'thahs:*' })).toThrow(/THAHS_ACCESS_AUDIT_OWN_SESSIONS/);
    expect(() => loadConfig({ THAHS_ACCESS_AUDIT_INTERVAL_SEC: '0' })).toThrow(/THAHS_ACCESS_AUDIT_INTERVAL_SEC/);
  });

  it('documents every setting', () => {
    expect(describeSettings()).toContain('THAHS_REGISTRY_URL');
  });
});
