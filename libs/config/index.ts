export { loadConfig, describeSettings, describeSecureDefaults, settings, STACK_PROFILES } from './settings';
export type { Config, SettingSpec, StackProfile, SaslMechanismSetting } from './settings';
export { redactUrl, redactSecrets } from './redact';
export { caFile, tlsDir, secretFile, secretsDir, readSecret, securePgUrl, SECURE_PORTS, SECURE_KAFKA_NODES } from './secureLayout';
export type { SecretKind } from './secureLayout';
export { ConfigError } from './configError';
