import type { Config } from 'jest';

// The reliability suite (`npm run test:reliability`): real service processes against real
// mongods that it starts, stops and fails over itself; one file at a time.
const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/reliability'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  globalSetup: '<rootDir>/test/reliability/global-setup.ts',
  // The default reporter, then one plain closing line that CI reads (see the reporter).
  reporters: ['default', '<rootDir>/scripts/jest-closing-line.cjs'],
  testTimeout: 300_000,
  maxWorkers: 1,
};

export default config;
