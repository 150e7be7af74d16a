import * as fs from 'fs';
import * as path from 'path';
import type { SASLOptions } from 'kafkajs';
import type { ConnectionOptions } from 'tls';
import type { Config } from '../config';
import { principalForClient } from '../kafka-access/servicePrincipals';

/** How a kafkajs client reaches the brokers: TLS options and SASL credentials (both absent on the plain stack). */
export interface KafkaSecurity {
  ssl?: ConnectionOptions;
  sasl?: SASLOptions;
}

/** The settings the security of a Kafka client is made from (a subset of Config, so a worker thread can carry it). */
export type KafkaSecuritySettings = Pick<Config, 'kafkaTls' | 'kafkaTlsCaFile' | 'kafkaSaslMechanism' | 'kafkaSaslUsername' | 'kafkaSaslPassword' | 'kafkaCredentialsDir'>;

/** A Kafka client cannot be given credentials: names the client, the principal and the setting to fix. */
export class KafkaCredentialsError extends Error {
  constructor(
    readonly clientId: string,
    readonly principal: string,
    message: string,
  ) {
    super(`kafka client ${clientId} (principal ${principal}): ${message}`);
    this.name = 'KafkaCredentialsError';
  }
}

export function kafkaSecuritySettings(config: Config): KafkaSecuritySettings {
  const { kafkaTls, kafkaTlsCaFile, kafkaSaslMechanism, kafkaSaslUsername, kafkaSaslPassword, kafkaCredentialsDir } = config;
  return { kafkaTls, kafkaTlsCaFile, kafkaSaslMechanism, kafkaSaslUsername, kafkaSaslPassword, kafkaCredentialsDir };
}

/**
 * The TLS and SASL options of one client. The principal is, in order: the one the caller names, the
 * process's THAHS_KAFKA_SASL_USERNAME (one service per process, as deployed), or the service's own
 * principal derived from the client id, whose password is `<THAHS_KAFKA_CREDENTIALS_DIR>/<principal>.password`.
 * PLAIN sends the password itself, so it is refused without TLS.
 */
export function kafkaSecurity(s: KafkaSecuritySettings, clientId: string, principal?: string): KafkaSecurity {
  const out: KafkaSecurity = {};
  if (s.kafkaTls) {
    out.ssl = { rejectUnauthorized: true };
    if (s.kafkaTlsCaFile) out.ssl.ca = [readCa(s.kafkaTlsCaFile, clientId)];
  }
  if (s.kafkaSaslMechanism === 'none') return out;
  const username = principal ?? (s.kafkaSaslUsername || principalForClient(clientId));
  let password: string;
  if (principal === undefined && s.kafkaSaslUsername) {
    password = s.kafkaSaslPassword;
    if (!password) throw new KafkaCredentialsError(clientId, username, 'THAHS_KAFKA_SASL_USERNAME is set but THAHS_KAFKA_SASL_PASSWORD is empty');
  } else {
    if (!s.kafkaCredentialsDir) throw new KafkaCredentialsError(clientId, username, 'neither THAHS_KAFKA_SASL_USERNAME nor THAHS_KAFKA_CREDENTIALS_DIR is set');
    const file = path.join(s.kafkaCredentialsDir, `${username}.password`);
    try {
      password = fs.readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new KafkaCredentialsError(clientId, username, `cannot read its password file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  if (s.kafkaSaslMechanism === 'plain') {
    if (!s.kafkaTls) throw new KafkaCredentialsError(clientId, username, 'SASL PLAIN would send the password in clear: set THAHS_KAFKA_TLS=on');
    out.sasl = { mechanism: 'plain', username, password };
  } else out.sasl = { mechanism: s.kafkaSaslMechanism, username, password };
  return out;
}

function readCa(file: string, clientId: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new KafkaCredentialsError(clientId, '-', `cannot read THAHS_KAFKA_TLS_CA_FILE ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
