export { loadConfig, describeSettings, settings } from './settings';
export type { Config, SettingSpec } from './settings';
export { ConfigError } from './configError';
