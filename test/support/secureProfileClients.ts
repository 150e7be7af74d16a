/**
 * Lets the integration suite run against the secure stack (THAHS_STACK_PROFILE=secure): many tests
 * build their kafkajs clients, registry clients and registry requests directly from the endpoints in
 * libs/config, so before each test file this gives those the secure profile's TLS and credentials —
 * the services' own clients get them from createKafka and libs/registry-client already. Nothing
 * changes on the plain profile.
 *
 * In this mode every Kafka client authenticates as `admin` (unless THAHS_KAFKA_SASL_USERNAME says
 * otherwise): the tests make topics under prefixes of their own, which the exchange's ACLs do not
 * cover. The suite thus proves TLS and SCRAM on every connection and the cost of both; test/secure
 * proves the ACLs. The tests' services use the databases' owner role (THAHS_*_PG_URL), so the apply
 * consumer's audit exemption names that role here, as on the plain profile.
 */
import { loadConfig } from '../../libs/config';
import { secureSuiteEnvironment } from './secureSuiteEnvironment';

if (secureSuiteEnvironment()) installSecureClients();

function installSecureClients(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { kafkaSecurity, kafkaSecuritySettings } = require('../../libs/kafka/kafkaSecurity') as typeof import('../../libs/kafka/kafkaSecurity');
  const { registryAccess, registryClientArgs, registryFetch } = require('../../libs/registry-client') as typeof import('../../libs/registry-client');
  const kafkajs = require('kafkajs') as typeof import('kafkajs') & { Kafka: unknown };
  const registryModule = require('@kafkajs/confluent-schema-registry/dist/SchemaRegistry') as { default: new (...a: unknown[]) => unknown };
  /* eslint-enable @typescript-eslint/no-require-imports */
  const settings = kafkaSecuritySettings(loadConfig());
  const access = registryAccess(loadConfig());

  const OriginalKafka = kafkajs.Kafka;
  class SecureKafka extends OriginalKafka {
    constructor(cfg: ConstructorParameters<typeof OriginalKafka>[0]) {
      const given = cfg.ssl !== undefined || cfg.sasl !== undefined;
      super(given ? cfg : { ...cfg, ...kafkaSecurity(settings, cfg.clientId ?? 'test') });
    }
  }
  (kafkajs as { Kafka: unknown }).Kafka = SecureKafka;

  const OriginalRegistry = registryModule.default;
  registryModule.default = class SecureSchemaRegistry extends (OriginalRegistry as new (a: object, o?: unknown) => object) {
    constructor(args: { host: string }, options?: unknown) {
      super({ ...registryClientArgs({ ...access, url: args.host }), ...args }, options);
    }
  } as unknown as typeof OriginalRegistry;

  const plainFetch = globalThis.fetch;
  const toRegistry = registryFetch(access);
  const origin = new URL(access.url).origin;
  globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' || input instanceof URL ? String(input) : input.url;
    return url.startsWith(origin) ? toRegistry(url, init) : plainFetch(input, init);
  }) as typeof fetch;
}
