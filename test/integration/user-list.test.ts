import { Types } from 'mongoose';
import request from 'supertest';
import { Role } from '../../src/models/role.model';
import { User } from '../../src/models/user.model';
import { buildApp } from '../helpers/app';
import { createUser, signIn } from '../helpers/factories';

interface Plan {
  executionStats: { nReturned: number; totalKeysExamined: number; totalDocsExamined: number };
  queryPlanner: { winningPlan: unknown };
}

/**
 * The admin list and search read one index range in order and stop at the page: their cost
 * does not grow with the collection. These plans are checked on a few thousand users, so
 * that a change that brings a scan back (a regular expression, a count, a skip) fails here.
 */
describe('the admin user list at scale', () => {
  const USERS = 5_000;

  beforeEach(async () => {
    const userRole = (await Role.findOne({ name: 'user' }).lean())!._id;
    const docs = Array.from({ length: USERS }, (_, i) => {
      const username = `member${String(i).padStart(5, '0')}`;
      return {
        _id: new Types.ObjectId(),
        username,
        usernameKey: username,
        email: `${username}@mail${i % 7}.example.com`,
        emailKey: `${username}@mail${i % 7}.example.com`,
        password: '$2b$04$abcdefghijklmnopqrstuuJ3mLkF6Jz9kzq6H1m2x8yqfVv9n3n4a',
        roles: [userRole],
        disabled: false,
        emailVerified: false,
        tokenVersion: 0,
        createdAt: new Date(),
        updatedAt: new Date(),
      };
    });
    await User.collection.insertMany(docs, { ordered: false });
  });

  async function explainOf(filter: Record<string, unknown>, sort: Record<string, 1>, limit: number): Promise<Plan> {
    return (await User.find(filter).sort(sort).limit(limit).explain('executionStats')) as unknown as Plan;
  }

  function expectIndexOnly(plan: Plan) {
    const text = JSON.stringify(plan.queryPlanner.winningPlan);
    expect(text).toContain('IXSCAN');
    expect(text).not.toContain('COLLSCAN');
    expect(text).not.toMatch(/"stage":"SORT"/);
    expect(plan.executionStats.totalKeysExamined).toBeLessThanOrEqual(plan.executionStats.nReturned + 1);
    expect(plan.executionStats.totalDocsExamined).toBeLessThanOrEqual(plan.executionStats.nReturned);
  }

  it('pages, searches by username prefix and by email prefix reading no more keys than they return, plus one', async () => {
    // The queries the service runs (src/services/user.service.ts), page 1 and a later page.
    expectIndexOnly(await explainOf({}, { usernameKey: 1 }, 21));
    expectIndexOnly(await explainOf({ usernameKey: { $gt: 'member02500' } }, { usernameKey: 1 }, 21));
    expectIndexOnly(await explainOf({ usernameKey: { $gte: 'member012', $lt: 'member013' } }, { usernameKey: 1 }, 21));
    expectIndexOnly(await explainOf({ emailKey: { $gte: 'member0042', $lt: 'member0043' } }, { emailKey: 1 }, 21));
  });

  it('serves the same pages through the API, and walks the whole list without gaps', async () => {
    const { app } = buildApp();
    const admin = await signIn(app, await createUser({ username: 'zz-admin', roles: ['user', 'admin'] }));
    const search = await request(app).get('/api/users?q=Member012&limit=100').set('x-access-token', admin.accessToken).expect(200);
    expect(search.body.users).toHaveLength(100);
    expect(search.body.nextCursor).toBeNull();
    const byMail = await request(app).get('/api/users?q=member00421@').set('x-access-token', admin.accessToken).expect(200);
    expect(byMail.body.users.map((u: { username: string }) => u.username)).toEqual(['member00421']);

    let cursor: string | null = null;
    let seen = 0;
    let previous = '';
    do {
      const res: request.Response = await request(app)
        .get('/api/users')
        .query({ limit: 100, ...(cursor ? { cursor } : {}) })
        .set('x-access-token', admin.accessToken)
        .expect(200);
      for (const user of res.body.users as { username: string }[]) {
        expect(user.username.toLowerCase() > previous).toBe(true);
        previous = user.username.toLowerCase();
      }
      seen += res.body.users.length;
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toBe(USERS + 1);
  }, 60_000);
});
