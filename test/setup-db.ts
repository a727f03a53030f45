import mongoose from 'mongoose';
import { ensureIndexes } from '../src/db/mongo';
import { createRoleService } from '../src/services/role.service';
import { ensureThrottleIndexes } from '../src/services/throttle';
import { checkRecordedReplies } from './helpers/openapi-check';

// Each Jest worker gets its own database, so test files running in parallel never share data.
beforeAll(async () => {
  const uri = process.env.TEST_MONGODB_URI;
  if (!uri) throw new Error('TEST_MONGODB_URI is not set: is jest globalSetup configured?');
  // monitorCommands: tests that count the database round trips of a request listen to it.
  await mongoose.connect(uri, { dbName: `auth_test_${process.env.JEST_WORKER_ID ?? '0'}`, monitorCommands: true });
  await Promise.all([ensureIndexes(), ensureThrottleIndexes(mongoose.connection)]);
});

// Every test starts from empty collections (indexes kept) plus the roles the service seeds.
beforeEach(async () => {
  await Promise.all(Object.values(mongoose.connection.collections).map((c) => c.deleteMany({})));
  await createRoleService().seed();
});

afterAll(async () => {
  await mongoose.disconnect();
  const problems = checkRecordedReplies();
  if (problems.length > 0) {
    throw new Error(`Replies that do not match the OpenAPI document:\n${problems.join('\n')}`);
  }
});
