import { Types } from 'mongoose';
import request from 'supertest';
import { Passkey } from '../../src/models/passkey.model';
import { RefreshToken } from '../../src/models/refresh-token.model';
import { User } from '../../src/models/user.model';
import { buildApp, type TestApp } from '../helpers/app';
import { createUser, expectSignedIn, signIn, type TestUser } from '../helpers/factories';
import { captureLogs } from '../helpers/logs';
import { SoftAuthenticator } from '../helpers/soft-authenticator';

// Responses come from a software authenticator (helpers/soft-authenticator) verified by the
// service's @simplewebauthn/server; the browser path runs in Chromium (test/e2e/demo-page).

const registrationOptions = async (t: TestApp, accessToken: string, password: string) =>
  (await request(t.app).post('/api/users/me/passkeys/options').set('x-access-token', accessToken).send({ currentPassword: password }).expect(200))
    .body;

/** A user with a passkey registered through the API. */
async function withPasskey(t: TestApp, user?: TestUser) {
  const owner = user ?? (await createUser());
  const { accessToken } = await signIn(t.app, owner);
  const authenticator = new SoftAuthenticator();
  const options = await registrationOptions(t, accessToken, owner.password);
  const res = await request(t.app)
    .post('/api/users/me/passkeys')
    .set('x-access-token', accessToken)
    .send({ response: authenticator.create(options), name: 'Laptop' })
    .expect(200);
  return { user: owner, accessToken, authenticator, passkeyId: res.body.id as string };
}

const signinOptions = async (t: TestApp) => (await request(t.app).post('/api/auth/passkey/options').expect(200)).body;
const passkeySignin = (t: TestApp, response: unknown, extra: Record<string, unknown> = {}) =>
  request(t.app).post('/api/auth/passkey').send({ response, ...extra });

describe('passkey registration', () => {
  it('needs the current password, and asks for a discoverable, user-verified credential', async () => {
    const t = buildApp();
    const user = await createUser();
    const { accessToken, id } = await signIn(t.app, user);
    const wrong = await request(t.app).post('/api/users/me/passkeys/options').set('x-access-token', accessToken).send({ currentPassword: 'nope-nope' });
    expect(wrong.status).toBe(403);
    expect(wrong.body.code).toBe('INVALID_PASSWORD');

    const options = await registrationOptions(t, accessToken, user.password);
    expect(options.rp).toEqual({ id: 'localhost', name: 'auth-api' });
    expect(options.user).toEqual({ id: Buffer.from(id, 'hex').toString('base64url'), name: user.username, displayName: user.username });
    expect(options.authenticatorSelection).toEqual(expect.objectContaining({ residentKey: 'required', userVerification: 'required' }));
    expect(options.attestation).toBe('none');
    expect(options.excludeCredentials).toEqual([]);
    expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{92}$/);
  });

  it('stores the public key and its counter, and lists, renames and removes it', async () => {
    const t = buildApp();
    const { user, accessToken, passkeyId, authenticator } = await withPasskey(t);

    const stored = await Passkey.findById(passkeyId).lean();
    expect(stored).toEqual(
      expect.objectContaining({ name: 'Laptop', counter: 0, credentialId: authenticator.credentials[0]!.id.toString('base64url'), transports: ['internal'] }),
    );
    expect(stored!.user.toString()).toBe(user.id);
    const me = await request(t.app).get('/api/users/me').set('x-access-token', accessToken).expect(200);
    expect(me.body.mfa.passkeys).toBe(1);

    const list = await request(t.app).get('/api/users/me/passkeys').set('x-access-token', accessToken).expect(200);
    expect(list.body).toEqual({
      passkeys: [{ id: passkeyId, name: 'Laptop', createdAt: expect.any(String), lastUsedAt: null, deviceType: 'singleDevice', backedUp: false }],
      nextCursor: null,
    });
    // The next registration excludes the authenticator that already has one.
    const again = await registrationOptions(t, accessToken, user.password);
    expect(again.excludeCredentials).toEqual([{ id: stored!.credentialId, type: 'public-key', transports: ['internal'] }]);

    const renamed = await request(t.app)
      .patch(`/api/users/me/passkeys/${passkeyId}`)
      .set('x-access-token', accessToken)
      .send({ name: '  Work laptop ' })
      .expect(200);
    expect(renamed.body.name).toBe('Work laptop');

    // Someone else's passkey is not found.
    const other = await createUser();
    const otherToken = (await signIn(t.app, other)).accessToken;
    await request(t.app).delete(`/api/users/me/passkeys/${passkeyId}`).set('x-access-token', otherToken).expect(404);
    await request(t.app).patch(`/api/users/me/passkeys/${passkeyId}`).set('x-access-token', otherToken).send({ name: 'x' }).expect(404);

    await request(t.app).delete(`/api/users/me/passkeys/${passkeyId.toUpperCase()}`).set('x-access-token', accessToken).expect(200);
    expect(await Passkey.countDocuments({})).toBe(0);
    expect((await User.findById(user.id).lean())!.passkeyCount).toBe(0);
    const gone = await passkeySignin(t, authenticator.get(await signinOptions(t)));
    expect(gone.status).toBe(401);
  });

  it('pages the list by cursor, newest first', async () => {
    const t = buildApp();
    const { user, accessToken } = await withPasskey(t);
    for (let i = 0; i < 2; i += 1) {
      const options = await registrationOptions(t, accessToken, user.password);
      await request(t.app)
        .post('/api/users/me/passkeys')
        .set('x-access-token', accessToken)
        .send({ response: new SoftAuthenticator().create(options), name: `Key ${i}` })
        .expect(200);
    }
    const first = await request(t.app).get('/api/users/me/passkeys?limit=2').set('x-access-token', accessToken).expect(200);
    expect(first.body.passkeys.map((p: { name: string }) => p.name)).toEqual(['Key 1', 'Key 0']);
    const second = await request(t.app).get(`/api/users/me/passkeys?limit=2&cursor=${first.body.nextCursor}`).set('x-access-token', accessToken).expect(200);
    expect(second.body).toEqual({ passkeys: [expect.objectContaining({ name: 'Laptop' })], nextCursor: null });
    const bad = await request(t.app).get('/api/users/me/passkeys?cursor=bm90LWEtY3Vyc29y').set('x-access-token', accessToken);
    expect(bad.status).toBe(400);
  });

  it('refuses a response for another origin, without user verification, or for a challenge not its own', async () => {
    const t = buildApp();
    const user = await createUser();
    const { accessToken } = await signIn(t.app, user);
    const register = (response: unknown, token = accessToken) =>
      request(t.app).post('/api/users/me/passkeys').set('x-access-token', token).send({ response });

    const phished = await register(new SoftAuthenticator({ origin: 'https://evil.example' }).create(await registrationOptions(t, accessToken, user.password)));
    expect(phished.status).toBe(400);
    expect(phished.body.code).toBe('PASSKEY_INVALID');

    const unverified = await register(new SoftAuthenticator({ userVerified: false }).create(await registrationOptions(t, accessToken, user.password)));
    expect(unverified.status).toBe(400);

    // Options made for this user, presented by another.
    const other = await createUser();
    const otherToken = (await signIn(t.app, other)).accessToken;
    const stolen = await register(new SoftAuthenticator().create(await registrationOptions(t, accessToken, user.password)), otherToken);
    expect(stolen.status).toBe(400);

    // A sign-in challenge is not a registration challenge.
    const signinChallenge = await signinOptions(t);
    const wrongPurpose = await register(new SoftAuthenticator().create({ challenge: signinChallenge.challenge, rp: { id: 'localhost', name: 'x' }, user: { id: 'AA', name: 'x' } }));
    expect(wrongPurpose.status).toBe(400);

    // Expired (5 minutes), and voided by a password change.
    const late = await registrationOptions(t, accessToken, user.password);
    t.clock.advance(5 * 60_000 + 1000);
    expect((await register(new SoftAuthenticator().create(late))).status).toBe(400);
    const before = await registrationOptions(t, accessToken, user.password);
    await User.updateOne({ _id: user.id }, { $inc: { tokenVersion: 1 } });
    t.clock.advance(1000); // past the user-state cache, which still holds the old version
    const newToken = (await signIn(t.app, user)).accessToken;
    expect((await register(new SoftAuthenticator().create(before), newToken)).status).toBe(400);

    expect(await Passkey.countDocuments({})).toBe(0);
  });

  it('uses a registration challenge once', async () => {
    const t = buildApp();
    const user = await createUser();
    const { accessToken } = await signIn(t.app, user);
    const options = await registrationOptions(t, accessToken, user.password);
    const responses = Array.from({ length: 4 }, () => new SoftAuthenticator().create(options));
    const results = await Promise.all(
      responses.map((response) => request(t.app).post('/api/users/me/passkeys').set('x-access-token', accessToken).send({ response })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(await Passkey.countDocuments({})).toBe(1);
  });

  it('keeps to MAX_PASSKEYS_PER_USER when registrations race', async () => {
    const t = buildApp({ env: { MAX_PASSKEYS_PER_USER: '3' } });
    const user = await createUser();
    const { accessToken } = await signIn(t.app, user);
    const optionsList = [];
    for (let i = 0; i < 6; i += 1) optionsList.push(await registrationOptions(t, accessToken, user.password));
    const results = await Promise.all(
      optionsList.map((options) =>
        request(t.app).post('/api/users/me/passkeys').set('x-access-token', accessToken).send({ response: new SoftAuthenticator().create(options) }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    expect(results.filter((r) => r.status === 409).map((r) => r.body.code)).toEqual(['PASSKEY_LIMIT', 'PASSKEY_LIMIT', 'PASSKEY_LIMIT']);
    expect(await Passkey.countDocuments({ user: user.id })).toBe(3);
    expect((await User.findById(user.id).lean())!.passkeyCount).toBe(3);

    const full = await request(t.app).post('/api/users/me/passkeys/options').set('x-access-token', accessToken).send({ currentPassword: user.password });
    expect(full.status).toBe(409);
    expect(full.body.code).toBe('PASSKEY_LIMIT');
  });
});

describe('sign-in with a passkey', () => {
  it('needs no username, and gives the normal sign-in reply and a passkey session', async () => {
    const t = buildApp();
    const { user, authenticator } = await withPasskey(t);
    const options = await signinOptions(t);
    expect(options).toEqual(expect.objectContaining({ rpId: 'localhost', userVerification: 'required', challenge: expect.any(String) }));
    expect(options.allowCredentials ?? []).toEqual([]);

    const res = await passkeySignin(t, authenticator.get(options)).expect(200);
    await expectSignedIn(t.app, res, user, 'passkey');
    const stored = await Passkey.findOne({}).lean();
    expect(stored!.counter).toBe(1);
    expect(stored!.lastUsedAt).toEqual(expect.any(Date));
  });

  it('is a whole sign-in even when the account has an authenticator app', async () => {
    const t = buildApp();
    const { user, authenticator } = await withPasskey(t);
    await User.updateOne({ _id: user.id }, { $set: { totp: { secret: 'v1.x.y.z', enabledAt: new Date(), lastStep: 0 } } });
    const res = await passkeySignin(t, authenticator.get(await signinOptions(t)), { refreshTokenTransport: 'cookie' }).expect(200);
    expect(res.body.accessToken).toEqual(expect.any(String));
    expect(res.body.refreshToken).toBeUndefined();
    expect(String(res.headers['set-cookie'])).toMatch(/^refreshToken=/);
  });

  it('uses a challenge once: a replayed or concurrent assertion gets one session', async () => {
    const t = buildApp();
    const { authenticator, user } = await withPasskey(t);
    const assertion = authenticator.get(await signinOptions(t));
    const results = await Promise.all(Array.from({ length: 5 }, () => passkeySignin(t, assertion)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 401).map((r) => r.body.code)).toEqual(Array(4).fill('PASSKEY_REFUSED'));
    expect(await RefreshToken.countDocuments({ user: user.id, method: 'passkey' })).toBe(1);
    expect((await passkeySignin(t, assertion)).status).toBe(401);
  });

  it('refuses an expired challenge, another origin, no user verification, and an unknown credential', async () => {
    const t = buildApp();
    const { authenticator } = await withPasskey(t);
    const late = await signinOptions(t);
    t.clock.advance(5 * 60_000 + 1000);
    expect((await passkeySignin(t, authenticator.get(late))).status).toBe(401);
    expect((await passkeySignin(t, authenticator.get(await signinOptions(t), { origin: 'https://evil.example' }))).status).toBe(401);
    expect((await passkeySignin(t, authenticator.get(await signinOptions(t), { userVerified: false }))).status).toBe(401);

    const stranger = new SoftAuthenticator();
    stranger.create({ challenge: 'AA', rp: { id: 'localhost', name: 'x' }, user: { id: 'AAAA', name: 'x' } });
    expect((await passkeySignin(t, stranger.get(await signinOptions(t)))).status).toBe(401);

    // A challenge this service did not make.
    const made = authenticator.get({ challenge: Buffer.alloc(69, 1).toString('base64url'), rpId: 'localhost' });
    expect((await passkeySignin(t, made)).status).toBe(401);
    // The right passkey still works.
    await passkeySignin(t, authenticator.get(await signinOptions(t))).expect(200);
  });

  it('refuses a counter that went back (a cloned authenticator) and logs it', async () => {
    const logs = captureLogs('info');
    const t = buildApp({ logger: logs.logger });
    const { authenticator } = await withPasskey(t);
    authenticator.counter = 10;
    await passkeySignin(t, authenticator.get(await signinOptions(t))).expect(200);
    authenticator.counter = 3;
    const cloned = await passkeySignin(t, authenticator.get(await signinOptions(t)));
    expect(cloned.status).toBe(401);
    expect(logs.entries().some((e) => e.event === 'passkey_counter_regression')).toBe(true);
    expect((await Passkey.findOne({}).lean())!.counter).toBe(11);
  });

  it('refuses a disabled account', async () => {
    const t = buildApp();
    const { user, authenticator } = await withPasskey(t);
    await User.updateOne({ _id: user.id }, { $set: { disabled: true } });
    const res = await passkeySignin(t, authenticator.get(await signinOptions(t)));
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('ACCOUNT_DISABLED');
  });

  it('refuses a response whose fields are not base64url, or carry operators', async () => {
    const t = buildApp();
    const { authenticator } = await withPasskey(t);
    const good = authenticator.get(await signinOptions(t));
    expect((await passkeySignin(t, { ...good, id: { $ne: null } })).status).toBe(400);
    expect((await passkeySignin(t, { ...good, response: { ...good.response, signature: 'not base64!' } })).status).toBe(400);
    expect((await passkeySignin(t, { ...good, type: 'password' })).status).toBe(400);
  });
});

describe('passkey routes and queries', () => {
  it('answers 405 for other methods on /passkeys/options, not a 400 for a bad id', async () => {
    const t = buildApp();
    const { accessToken } = await signIn(t.app, await createUser());
    const res = await request(t.app).patch('/api/users/me/passkeys/options').set('x-access-token', accessToken).send({ name: 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect((await request(t.app).delete('/api/users/me/passkeys/options').set('x-access-token', accessToken)).status).toBe(405);
  });

  it('finds a sign-in passkey by its unique credential id, and lists from the user index, among 20,000 passkeys', async () => {
    const users = Array.from({ length: 2_000 }, () => new Types.ObjectId());
    await Passkey.insertMany(
      Array.from({ length: 20_000 }, (_, i) => ({
        user: users[i % users.length],
        credentialId: `cred-${i}`,
        publicKey: Buffer.alloc(77),
        counter: 0,
        name: `Key ${i}`,
      })),
      { lean: true },
    );
    const byCredential = (await Passkey.findOne({ credentialId: 'cred-12345' }).explain('executionStats')) as unknown as Explained;
    expect(JSON.stringify(byCredential.queryPlanner.winningPlan)).toContain('"indexName":"credentialId_1"');
    expect(byCredential.executionStats.totalKeysExamined).toBe(1);

    const list = (await Passkey.find({ user: users[7] }).sort({ _id: -1 }).limit(21).explain('executionStats')) as unknown as Explained;
    expect(JSON.stringify(list.queryPlanner.winningPlan)).toContain('"indexName":"user_1__id_-1"');
    expect(JSON.stringify(list.queryPlanner.winningPlan)).not.toContain('SORT"');
    expect(list.executionStats.totalKeysExamined).toBe(10);
  }, 60_000);
});

interface Explained {
  executionStats: { totalKeysExamined: number };
  queryPlanner: { winningPlan: unknown };
}

describe('passkeys and admins', () => {
  it("are removed by an admin's factor reset and by the user's deletion", async () => {
    const t = buildApp();
    const { user, authenticator } = await withPasskey(t);
    const admin = await createUser({ roles: ['admin'] });
    const { accessToken } = await signIn(t.app, admin);
    const res = await request(t.app).delete(`/api/users/${user.id}/mfa`).set('x-access-token', accessToken).expect(200);
    expect(res.body).toEqual(expect.objectContaining({ totpRemoved: false, passkeysRemoved: 1 }));
    expect((await passkeySignin(t, authenticator.get(await signinOptions(t)))).status).toBe(401);
    expect((await User.findById(user.id).lean())!.passkeyCount).toBe(0);

    const second = await withPasskey(t, await createUser());
    await request(t.app).delete(`/api/users/${second.user.id}`).set('x-access-token', accessToken).expect(200);
    expect(await Passkey.countDocuments({})).toBe(0);
  });
});
