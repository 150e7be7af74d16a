import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../config';
import { KafkaCredentialsError, kafkaSecurity, kafkaSecuritySettings, type KafkaSecuritySettings } from './kafkaSecurity';

describe('kafkaSecurity', () => {
  let dir: string;
  let base: KafkaSecuritySettings;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thahs-kafka-sec-'));
    fs.writeFileSync(path.join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
    for (const p of ['producer-cand', 'apply-qdnd', 'agreement-sync-cand', 'operator']) fs.writeFileSync(path.join(dir, `${p}.password`), `pw-${p}\n`);
    base = {
      kafkaTls: true,
      kafkaTlsCaFile: path.join(dir, 'ca.pem'),
      kafkaSaslMechanism: 'scram-sha-512',
      kafkaSaslUsername: '',
      kafkaSaslPassword: '',
      kafkaCredentialsDir: dir,
    };
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('adds nothing on the plain profile', () => {
    expect(kafkaSecurity(kafkaSecuritySettings(loadConfig({})), 'cdc-producer-cand')).toEqual({});
  });

  it('gives each service of one process its own principal and password', () => {
    const producer = kafkaSecurity(base, 'cdc-producer-cand');
    expect(producer.ssl).toEqual({ rejectUnauthorized: true, ca: [expect.stringContaining('BEGIN CERTIFICATE')] });
    expect(producer.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'producer-cand', password: 'pw-producer-cand' });
    expect(kafkaSecurity(base, 'apply-consumer-TTDL-CAND-QDND-2025-01-qdnd').sasl).toMatchObject({ username: 'apply-qdnd', password: 'pw-apply-qdnd' });
    expect(kafkaSecurity(base, 'thahs-agreement-sync-cand').sasl).toMatchObject({ username: 'agreement-sync-cand' });
    expect(kafkaSecurity(base, 'thahs-agreement-cand').sasl).toMatchObject({ username: 'agreement-sync-cand' });
    expect(kafkaSecurity(base, 'thahs-events-show').sasl).toMatchObject({ username: 'operator' });
  });

  it('uses the process principal when one is set, and an explicit principal over both', () => {
    const one = { ...base, kafkaSaslUsername: 'producer-qdnd', kafkaSaslPassword: 'from-secret' };
    expect(kafkaSecurity(one, 'cdc-producer-cand').sasl).toMatchObject({ username: 'producer-qdnd', password: 'from-secret' });
    expect(kafkaSecurity(one, 'cdc-producer-cand', 'operator').sasl).toMatchObject({ username: 'operator', password: 'pw-operator' });
  });

  it('names what is missing, never a password', () => {
    expect(() => kafkaSecurity({ ...base, kafkaSaslUsername: 'x' }, 'c')).toThrow(/THAHS_KAFKA_SASL_PASSWORD is empty/);
    expect(() => kafkaSecurity({ ...base, kafkaCredentialsDir: '' }, 'c')).toThrow(KafkaCredentialsError);
    expect(() => kafkaSecurity(base, 'cdc-producer-qdnd')).toThrow(/principal producer-qdnd.*producer-qdnd\.password: ENOENT/);
    expect(() => kafkaSecurity({ ...base, kafkaTlsCaFile: path.join(dir, 'none.pem') }, 'c')).toThrow(/THAHS_KAFKA_TLS_CA_FILE/);
    expect(() => kafkaSecurity({ ...base, kafkaTls: false, kafkaSaslMechanism: 'plain' }, 'cdc-producer-cand')).toThrow(/in clear/);
  });
});
