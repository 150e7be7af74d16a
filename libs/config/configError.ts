/** A setting that failed validation; names the environment variable so operators can fix it. */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    readonly value: string,
    readonly reason: string,
  ) {
    super(`invalid setting ${setting}=${JSON.stringify(value)}: ${reason}`);
    this.name = 'ConfigError';
  }
}
