// @ts-check
// Two layers (Jest projects): `unit` needs no server and runs in seconds; `integration` (integration,
// workflow and end-to-end tests) shares one local stack that its globalSetup starts.
// `npm run test:unit` runs the first alone; `npm test` runs both, reported together.

/** @type {import('jest').Config['transform']} */
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      // Ignore any .swcrc: the test transform is fully described here.
      swcrc: false,
      sourceMaps: 'inline',
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'commonjs' },
    },
  ],
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 120000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/unit'],
      testMatch: ['**/*.test.ts'],
      transform,
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/integration', '<rootDir>/test/workflows', '<rootDir>/test/e2e'],
      testMatch: ['**/*.test.ts'],
      transform,
      // One Temporal dev server + AWS emulator for the whole project, coordinates passed through process.env.
      // It starts only when a test of this project runs.
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
