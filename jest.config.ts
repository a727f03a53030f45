import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The reliability suite starts its own mongods and runs alone: `npm run test:reliability`.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/reliability/'],
  // Type-checking is `npm run typecheck`'s job; here ts-jest only transpiles (isolatedModules).
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // One real mongod for the whole run; each worker uses a database of its own.
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test/setup-db.ts'],
  // The default reporter, then one plain closing line that CI reads (see the reporter).
  reporters: ['default', '<rootDir>/scripts/jest-closing-line.cjs'],
  testTimeout: 30_000,
  maxWorkers: 2,
};

export default config;
