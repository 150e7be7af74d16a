// Two projects: `unit` tests sit beside the code and need nothing running; `integration` tests live
// under test/ and bring the local stack (two PostgreSQL clusters, Kafka, schema registry) up themselves.
const tsJest = ['ts-jest', { diagnostics: false }];
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/libs', '<rootDir>/services'],
      testMatch: ['**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      globalSetup: '<rootDir>/test/support/globalSetup.ts',
      // THAHS_STACK_PROFILE=secure: the tests' own Kafka and registry clients get TLS and credentials.
      setupFiles: ['<rootDir>/test/support/secureProfileClients.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/setupTimeout.ts'],
    },
  ],
};
