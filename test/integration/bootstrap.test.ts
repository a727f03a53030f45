import bcrypt from 'bcryptjs';
import request from 'supertest';
import { createLogger } from '../../src/config/logger';
import { Role } from '../../src/models/role.model';
import { User } from '../../src/models/user.model';
import { bootstrapData } from '../../src/services/bootstrap.service';
import { buildApp } from '../helpers/app';
import { signIn } from '../helpers/factories';

const logger = createLogger({ level: 'silent' });
const admin = { username: 'root', email: 'root@example.com', password: 'initial-admin-pw' };

describe('start-up data', () => {
  it('seeds the three roles once, however often it runs', async () => {
    const { services } = buildApp();
    await Role.deleteMany({});
    await Promise.all([1, 2, 3].map(() => bootstrapData({ ...services, logger }, undefined)));
    const names = (await Role.find().lean()).map((r) => r.name).sort();
    expect(names).toEqual(['admin', 'moderator', 'user']);
  });

  it('creates the configured admin, who can open every board', async () => {
    const { app, services } = buildApp();
    await bootstrapData({ ...services, logger }, admin);

    const session = await signIn(app, admin);
    expect(session.roles.sort()).toEqual(['ROLE_ADMIN', 'ROLE_MODERATOR', 'ROLE_USER']);
    for (const path of ['/api/test/user', '/api/test/mod', '/api/test/admin']) {
      await request(app).get(path).set('x-access-token', session.accessToken).expect(200);
    }
  });

  it('leaves an existing admin account untouched on later start-ups', async () => {
    const { services } = buildApp();
    await bootstrapData({ ...services, logger }, admin);
    await bootstrapData({ ...services, logger }, { ...admin, password: 'a-different-password' });

    const users = await User.find().lean();
    expect(users).toHaveLength(1);
    expect(await bcrypt.compare(admin.password, users[0]!.password)).toBe(true);
  });

  describe('when no active admin is left', () => {
    async function adminRemovedByHand() {
      const { app, services } = buildApp();
      await bootstrapData({ ...services, logger }, admin);
      const userRole = await Role.findOne({ name: 'user' }).lean();
      await User.updateOne({ username: admin.username }, { $set: { roles: [userRole!._id], disabled: true } });
      return { app, services };
    }

    it('gives the configured account every role back and enables it, when its password is ADMIN_PASSWORD', async () => {
      const { app, services } = await adminRemovedByHand();
      await bootstrapData({ ...services, logger }, admin);
      const session = await signIn(app, admin);
      expect(session.roles.sort()).toEqual(['ROLE_ADMIN', 'ROLE_MODERATOR', 'ROLE_USER']);
      await request(app).get('/api/test/admin').set('x-access-token', session.accessToken).expect(200);
    });

    it('leaves an account of that name alone when its password is another (someone else registered it)', async () => {
      const { services } = await adminRemovedByHand();
      await bootstrapData({ ...services, logger }, { ...admin, password: 'a-different-password' });
      const stored = (await User.findOne({ username: admin.username }).lean())!;
      expect(stored.disabled).toBe(true);
      expect(stored.roles).toHaveLength(1);
    });
  });

  it('does not create an initial admin with a weak password', async () => {
    const { services } = buildApp();
    await bootstrapData({ ...services, logger }, { ...admin, password: 'password1' });
    expect(await User.countDocuments()).toBe(0);
  });
});
