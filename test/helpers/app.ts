import type { Express } from 'express';
import mongoose from 'mongoose';
import { createApp } from '../../src/app';
import { parseConfig, type Config, type EnvInput } from '../../src/config/config';
import { createLogger, type Logger } from '../../src/config/logger';
import { createServices, type Services } from '../../src/services';
import { manualClock, type ManualClock } from './clock';
import { recordReplies } from './openapi-check';

export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-characters-long';

export function testConfig(overrides: EnvInput = {}): Config {
  return parseConfig({
    NODE_ENV: 'test',
    JWT_SECRET: TEST_JWT_SECRET,
    // The lowest cost bcrypt allows keeps the suite fast; tests that check the cost set it.
    BCRYPT_ROUNDS: '4',
    ...overrides,
  });
}

export interface TestApp {
  app: Express;
  config: Config;
  services: Services;
  clock: ManualClock;
}

export function buildApp(options: { env?: EnvInput; logger?: Logger; clock?: ManualClock } = {}): TestApp {
  const config = testConfig(options.env);
  const clock = options.clock ?? manualClock();
  const logger = options.logger ?? createLogger({ level: 'silent' });
  const services = createServices({ config, clock, logger, connection: mongoose.connection });
  // Replies are checked against the OpenAPI document after each test file.
  return { app: recordReplies(createApp({ config, logger, clock, services })), config, services, clock };
}
