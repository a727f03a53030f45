import request from 'supertest';
import { User } from '../../src/models/user.model';
import { RefreshToken } from '../../src/models/refresh-token.model';
import { buildApp, TEST_JWT_SECRET, type TestApp } from '../helpers/app';
import { createUser, expectSignedIn, signIn, type TestUser } from '../helpers/factories';
import { captureLogs } from '../helpers/logs';
import { codeAt } from '../helpers/totp';

// Codes are computed by the tests' own RFC 6238 code (helpers/totp), independent of the
// service's library; test/unit/mfa-primitives.test.ts checks both against the RFC's vectors.
const STEP_MS = 30_000;

interface Enrolled {
  user: TestUser;
  secret: string;
  recoveryCodes: string[];
  accessToken: string;
}

/** A user with an active authenticator app, enrolled through the API. */
async function enrolled(t: TestApp, overrides: Partial<TestUser> = {}): Promise<Enrolled> {
  const user = await createUser(overrides);
  const { accessToken } = await signIn(t.app, user);
  const enrol = await request(t.app)
    .post('/api/users/me/mfa/totp')
    .set('x-access-token', accessToken)
    .send({ currentPassword: user.password })
    .expect(200);
  const secret = enrol.body.secret as string;
  const verify = await request(t.app)
    .post('/api/users/me/mfa/totp/verify')
    .set('x-access-token', accessToken)
    .send({ code: codeAt(secret, t.clock()) })
    .expect(200);
  // The enrolment used this step's code: later sign-ins start at the next step.
  t.clock.advance(STEP_MS);
  return { user, secret, recoveryCodes: verify.body.recoveryCodes as string[], accessToken };
}

const passwordStep = async (t: TestApp, user: TestUser) => {
  const res = await request(t.app).post('/api/auth/signin').send({ username: user.username, password: user.password }).expect(200);
  return res.body as { mfaRequired: true; mfaToken: string; methods: string[] };
};

const secondStep = (t: TestApp, body: Record<string, unknown>) => request(t.app).post('/api/auth/signin/mfa').send(body);

describe('TOTP enrolment', () => {
  it('needs the current password, and stores the secret encrypted until a first code enables it', async () => {
    const t = buildApp();
    const user = await createUser();
    const { accessToken } = await signIn(t.app, user);

    const wrong = await request(t.app)
      .post('/api/users/me/mfa/totp')
      .set('x-access-token', accessToken)
      .send({ currentPassword: 'not-the-password' });
    expect(wrong.status).toBe(403);
    expect(wrong.body.code).toBe('INVALID_PASSWORD');

    const res = await request(t.app)
      .post('/api/users/me/mfa/totp')
      .set('x-access-token', accessToken)
      .send({ currentPassword: user.password })
      .expect(200);
    expect(res.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(res.body.otpauthUrl).toBe(
      `otpauth://totp/auth-api:${user.username}?issuer=auth-api&secret=${res.body.secret}&algorithm=SHA1&digits=6&period=30`,
    );
    expect(res.body.qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(res.body.qrCode.split(',')[1], 'base64').toString()).toContain('<svg');

    const stored = await User.findById(user.id).lean();
    expect(stored!.totp).toBeUndefined();
    expect(stored!.totpPending!.secret).toMatch(/^v1\./);
    const hexSecret = Buffer.from(stored!.totpPending!.secret).toString();
    expect(hexSecret).not.toContain(res.body.secret);

    // Sign-in is unchanged while the factor is only pending.
    const pending = await request(t.app).post('/api/auth/signin').send({ username: user.username, password: user.password }).expect(200);
    expect(pending.body.accessToken).toEqual(expect.any(String));

    const wrongCode = await request(t.app)
      .post('/api/users/me/mfa/totp/verify')
      .set('x-access-token', accessToken)
      .send({ code: codeAt(res.body.secret, t.clock() + 5 * STEP_MS) });
    expect(wrongCode.status).toBe(403);
    expect(wrongCode.body.code).toBe('INVALID_MFA_CODE');

    const verified = await request(t.app)
      .post('/api/users/me/mfa/totp/verify')
      .set('x-access-token', accessToken)
      .send({ code: codeAt(res.body.secret, t.clock()) })
      .expect(200);
    expect(verified.body.recoveryCodes).toHaveLength(10);
    for (const code of verified.body.recoveryCodes) expect(code).toMatch(/^[A-Z2-9]{4}(-[A-Z2-9]{4}){3}$/);
    expect(new Set(verified.body.recoveryCodes).size).toBe(10);

    const active = await User.findById(user.id).lean();
    expect(active!.totpPending).toBeUndefined();
    expect(active!.totp!.secret).toBe(stored!.totpPending!.secret);
    expect(active!.recoveryCodes).toHaveLength(10);
    for (const code of verified.body.recoveryCodes) expect(active!.recoveryCodes).not.toContain(code);

    const me = await request(t.app).get('/api/users/me').set('x-access-token', accessToken).expect(200);
    expect(me.body.mfa).toEqual({ totp: true, recoveryCodesLeft: 10, passkeys: 0 });

    const again = await request(t.app).post('/api/users/me/mfa/totp').set('x-access-token', accessToken).send({ currentPassword: user.password });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('TOTP_ALREADY_ENABLED');
  });

  it('refuses a code once the enrolment expired (10 minutes)', async () => {
    const t = buildApp();
    const user = await createUser();
    const { accessToken } = await signIn(t.app, user);
    const res = await request(t.app).post('/api/users/me/mfa/totp').set('x-access-token', accessToken).send({ currentPassword: user.password }).expect(200);
    t.clock.advance(10 * 60_000 + 1000);
    const late = await request(t.app)
      .post('/api/users/me/mfa/totp/verify')
      .set('x-access-token', accessToken)
      .send({ code: codeAt(res.body.secret, t.clock()) });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('TOTP_NOT_PENDING');
  });

  it('is refused (503) in production without DATA_ENCRYPTION_KEY, and works with one', async () => {
    const production = { NODE_ENV: 'production', MONGODB_URI: 'mongodb://127.0.0.1:1/unused' };
    const t = buildApp({ env: production });
    const user = await createUser();
    const { accessToken } = await signIn(t.app, user);
    const res = await request(t.app).post('/api/users/me/mfa/totp').set('x-access-token', accessToken).send({ currentPassword: user.password });
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('MFA_UNAVAILABLE');

    const keyed = buildApp({ env: { ...production, DATA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') } });
    await request(keyed.app).post('/api/users/me/mfa/totp').set('x-access-token', accessToken).send({ currentPassword: user.password }).expect(200);
  });
});

describe('sign-in with an authenticator app', () => {
  it('asks for a code instead of giving tokens, and completes with it', async () => {
    const t = buildApp();
    const { user, secret } = await enrolled(t);

    const first = await request(t.app).post('/api/auth/signin').send({ username: user.username, password: user.password }).expect(200);
    expect(Object.keys(first.body).sort()).toEqual(['methods', 'mfaRequired', 'mfaToken']);
    expect(first.body.mfaRequired).toBe(true);
    expect(first.body.methods).toEqual(['totp', 'recovery_code']);
    // Not an access token: the guard refuses it.
    await request(t.app).get('/api/test/user').set('x-access-token', first.body.mfaToken).expect(401);
    expect(await RefreshToken.countDocuments({ user: user.id })).toBe(1); // the enrolment's session only

    const res = await secondStep(t, { mfaToken: first.body.mfaToken, code: codeAt(secret, t.clock()) }).expect(200);
    await expectSignedIn(t.app, res, user, 'password+totp');

    // The same token again: used up.
    const reuse = await secondStep(t, { mfaToken: first.body.mfaToken, code: codeAt(secret, t.clock() + STEP_MS) });
    expect(reuse.status).toBe(401);
    expect(reuse.body.code).toBe('MFA_TOKEN_INVALID');
  });

  it('sets the refresh token as a cookie when asked to', async () => {
    const t = buildApp();
    const { user, secret } = await enrolled(t);
    const { mfaToken } = await passwordStep(t, user);
    const res = await secondStep(t, { mfaToken, code: codeAt(secret, t.clock()), refreshTokenTransport: 'cookie' }).expect(200);
    expect(res.body.refreshToken).toBeUndefined();
    expect(String(res.headers['set-cookie'])).toMatch(/^refreshToken=.+HttpOnly/);
  });

  it('accepts a code one step either side of now, not two', async () => {
    const t = buildApp();
    const { user, secret } = await enrolled(t);
    // Each code is at a later step than the one before, so none is refused as a replay.
    t.clock.advance(10 * STEP_MS);
    let { mfaToken } = await passwordStep(t, user);
    const tooOld = await secondStep(t, { mfaToken, code: codeAt(secret, t.clock() - 2 * STEP_MS) });
    expect(tooOld.status).toBe(401);
    expect(tooOld.body.code).toBe('INVALID_MFA_CODE');
    await secondStep(t, { mfaToken, code: codeAt(secret, t.clock() - STEP_MS) }).expect(200);

    ({ mfaToken } = await passwordStep(t, user));
    await secondStep(t, { mfaToken, code: codeAt(secret, t.clock()) }).expect(200);

    ({ mfaToken } = await passwordStep(t, user));
    const tooNew = await secondStep(t, { mfaToken, code: codeAt(secret, t.clock() + 2 * STEP_MS) });
    expect(tooNew.status).toBe(401);
    await secondStep(t, { mfaToken, code: codeAt(secret, t.clock() + STEP_MS) }).expect(200);
  });

  it('accepts each code once, and no code of an earlier step after it', async () => {
    const t = buildApp();
    const { user, secret } = await enrolled(t);
    const code = codeAt(secret, t.clock());
    await secondStep(t, { mfaToken: (await passwordStep(t, user)).mfaToken, code }).expect(200);

    const replay = await secondStep(t, { mfaToken: (await passwordStep(t, user)).mfaToken, code });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('INVALID_MFA_CODE');

    // The next step's code, then the previous step's (still within the drift): refused.
    await secondStep(t, { mfaToken: (await passwordStep(t, user)).mfaToken, code: codeAt(secret, t.clock() + STEP_MS) }).expect(200);
    const older = await secondStep(t, { mfaToken: (await passwordStep(t, user)).mfaToken, code: codeAt(secret, t.clock()) });
    expect(older.status).toBe(401);
  });

  it('lets one of many concurrent completions with one code through', async () => {
    const t = buildApp();
    const { user, secret } = await enrolled(t);
    // One at a time: the hashing queue takes 4 checks per client at once.
    const tokens = [];
    for (let i = 0; i < 6; i += 1) tokens.push(await passwordStep(t, user));
    const code = codeAt(secret, t.clock());
    const results = await Promise.all(tokens.map(({ mfaToken }) => secondStep(t, { mfaToken, code })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 401)).toHaveLength(5);
  });

  it('takes a recovery code once, in place of a code, and records the method', async () => {
    const t = buildApp();
    const { user, recoveryCodes } = await enrolled(t);
    const [first, second] = recoveryCodes as [string, string];

    // Typed in lower case and without dashes: the same code.
    const typed = first.toLowerCase().replace(/-/g, '');
    const res = await secondStep(t, { mfaToken: (await passwordStep(t, user)).mfaToken, recoveryCode: typed }).expect(200);
    const sessions = await request(t.app).get('/api/users/me/sessions').set('x-access-token', res.body.accessToken).expect(200);
    expect(sessions.body.sessions.find((s: { current: boolean }) => s.current).signInMethod).toBe('password+recovery_code');

    const again = await secondStep(t, { mfaToken: (await passwordStep(t, user)).mfaToken, recoveryCode: first });
    expect(again.status).toBe(401);
    expect(again.body.code).toBe('INVALID_RECOVERY_CODE');
    await secondStep(t, { mfaToken: (await passwordStep(t, user)).mfaToken, recoveryCode: second }).expect(200);

    const me = await request(t.app).get('/api/users/me').set('x-access-token', res.body.accessToken).expect(200);
    expect(me.body.mfa.recoveryCodesLeft).toBe(8);
  });

  it('gives one session to one mfaToken, however many recovery codes arrive with it at once', async () => {
    const t = buildApp();
    const { user, recoveryCodes } = await enrolled(t);
    const { mfaToken } = await passwordStep(t, user);
    const results = await Promise.all(recoveryCodes.slice(0, 5).map((recoveryCode) => secondStep(t, { mfaToken, recoveryCode })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(await RefreshToken.countDocuments({ user: user.id, method: 'password+recovery_code' })).toBe(1);
  });

  it('refuses an mfaToken after 5 minutes, a forged one, and one issued before a password change', async () => {
    const t = buildApp();
    const { user, secret, accessToken } = await enrolled(t);

    const { mfaToken } = await passwordStep(t, user);
    t.clock.advance(5 * 60_000 + 1000);
    const expired = await secondStep(t, { mfaToken, code: codeAt(secret, t.clock()) });
    expect(expired.status).toBe(401);
    expect(expired.body.code).toBe('MFA_TOKEN_INVALID');

    const fresh = (await passwordStep(t, user)).mfaToken;
    const bytes = Buffer.from(fresh, 'base64url');
    bytes[5] = bytes[5]! ^ 1; // another token version, same signature
    const forged = await secondStep(t, { mfaToken: bytes.toString('base64url'), code: codeAt(secret, t.clock()) });
    expect(forged.status).toBe(401);
    expect(forged.body.code).toBe('MFA_TOKEN_INVALID');

    const accessAsMfa = await secondStep(t, { mfaToken: accessToken.replace(/\./g, ''), code: codeAt(secret, t.clock()) });
    expect([400, 401]).toContain(accessAsMfa.status);

    const beforeChange = (await passwordStep(t, user)).mfaToken;
    await User.updateOne({ _id: user.id }, { $inc: { tokenVersion: 1 } });
    const stale = await secondStep(t, { mfaToken: beforeChange, code: codeAt(secret, t.clock()) });
    expect(stale.status).toBe(401);
    expect(stale.body.code).toBe('MFA_TOKEN_INVALID');
  });

  it('checks at most MFA_MAX_ATTEMPTS codes per pending sign-in, even in a burst', async () => {
    const t = buildApp();
    const { user, secret } = await enrolled(t);
    const { mfaToken } = await passwordStep(t, user);
    const right = codeAt(secret, t.clock());
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    const results = await Promise.all(Array.from({ length: 20 }, () => secondStep(t, { mfaToken, code: wrong })));
    expect(results.filter((r) => r.status === 401)).toHaveLength(5);
    expect(results.filter((r) => r.status === 429)).toHaveLength(15);
    expect(results.find((r) => r.status === 429)!.body.code).toBe('TOO_MANY_MFA_ATTEMPTS');

    // Used up: even the right code is refused on this token; a new sign-in gets a new budget.
    expect((await secondStep(t, { mfaToken, code: right })).status).toBe(429);
    await secondStep(t, { mfaToken: (await passwordStep(t, user)).mfaToken, code: right }).expect(200);
  });

  it('limits wrong codes per user across pending sign-ins, with a delay that then doubles', async () => {
    const t = buildApp({ env: { SIGNIN_MAX_FAILURES: '4' } });
    const { user, secret } = await enrolled(t);
    const wrongFor = (ms: number) => String((Number(codeAt(secret, ms)) + 1) % 1_000_000).padStart(6, '0');
    for (let i = 0; i < 4; i += 1) {
      const res = await secondStep(t, { mfaToken: (await passwordStep(t, user)).mfaToken, code: wrongFor(t.clock()) });
      expect(res.status).toBe(401);
    }
    const throttled = await secondStep(t, { mfaToken: (await passwordStep(t, user)).mfaToken, code: codeAt(secret, t.clock()) });
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('1');
    t.clock.advance(1000);
    await secondStep(t, { mfaToken: (await passwordStep(t, user)).mfaToken, code: codeAt(secret, t.clock()) }).expect(200);
  });

  it('checks at most SIGNIN_MAX_FAILURES wrong codes per user when they arrive at once on many pending sign-ins from many addresses', async () => {
    const t = buildApp({ env: { SIGNIN_MAX_FAILURES: '4', TRUST_PROXY: 'loopback' } });
    const { user, secret } = await enrolled(t);
    const tokens = [];
    for (let i = 0; i < 12; i += 1) tokens.push((await passwordStep(t, user)).mfaToken);
    const wrong = String((Number(codeAt(secret, t.clock())) + 1) % 1_000_000).padStart(6, '0');
    const results = await Promise.all(
      tokens.map((mfaToken, i) =>
        request(t.app).post('/api/auth/signin/mfa').set('X-Forwarded-For', `203.0.113.${i + 1}`).send({ mfaToken, code: wrong }),
      ),
    );
    expect(results.filter((r) => r.status === 401)).toHaveLength(4);
    expect(results.filter((r) => r.status === 429)).toHaveLength(8);
  });

  it('refuses a disabled account at the second step', async () => {
    const t = buildApp();
    const { user, secret } = await enrolled(t);
    const { mfaToken } = await passwordStep(t, user);
    await User.updateOne({ _id: user.id }, { $set: { disabled: true } });
    const res = await secondStep(t, { mfaToken, code: codeAt(secret, t.clock()) });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('ACCOUNT_DISABLED');
  });

  it('asks for exactly one of code and recoveryCode', async () => {
    const t = buildApp();
    const { user, secret, recoveryCodes } = await enrolled(t);
    const { mfaToken } = await passwordStep(t, user);
    const both = await secondStep(t, { mfaToken, code: codeAt(secret, t.clock()), recoveryCode: recoveryCodes[0] });
    expect(both.status).toBe(400);
    expect(both.body.errors).toEqual([{ field: 'code', message: 'give either code or recoveryCode (one of them)' }]);
    expect((await secondStep(t, { mfaToken })).status).toBe(400);
    expect((await secondStep(t, { mfaToken, code: '12345' })).status).toBe(400);
    expect((await secondStep(t, { mfaToken, code: { $ne: null } })).status).toBe(400);
  });

  it('leaves the sign-in of users without a factor exactly as the contract has it', async () => {
    const t = buildApp();
    const user = await createUser();
    const res = await request(t.app).post('/api/auth/signin').send({ username: user.username, password: user.password }).expect(200);
    expect(Object.keys(res.body).sort()).toEqual(['accessToken', 'email', 'emailVerified', 'id', 'refreshToken', 'roles', 'username']);
  });
});

describe('managing the factor', () => {
  it('removes the app with the password and a code; sign-in then needs the password only', async () => {
    const t = buildApp();
    const { user, secret, accessToken } = await enrolled(t);

    const noCode = await request(t.app)
      .delete('/api/users/me/mfa/totp')
      .set('x-access-token', accessToken)
      .send({ currentPassword: user.password, code: '000000' });
    expect(noCode.status).toBe(403);
    expect(noCode.body.code).toBe('INVALID_MFA_CODE');
    const noPassword = await request(t.app)
      .delete('/api/users/me/mfa/totp')
      .set('x-access-token', accessToken)
      .send({ currentPassword: 'wrong-password', code: codeAt(secret, t.clock()) });
    expect(noPassword.body.code).toBe('INVALID_PASSWORD');

    await request(t.app)
      .delete('/api/users/me/mfa/totp')
      .set('x-access-token', accessToken)
      .send({ currentPassword: user.password, code: codeAt(secret, t.clock()) })
      .expect(200);
    const stored = await User.findById(user.id).lean();
    expect(stored!.totp).toBeUndefined();
    expect(stored!.recoveryCodes).toBeUndefined();
    const res = await request(t.app).post('/api/auth/signin').send({ username: user.username, password: user.password }).expect(200);
    expect(res.body.accessToken).toEqual(expect.any(String));

    const again = await request(t.app)
      .delete('/api/users/me/mfa/totp')
      .set('x-access-token', accessToken)
      .send({ currentPassword: user.password, code: codeAt(secret, t.clock() + STEP_MS) });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('TOTP_NOT_ENABLED');
  });

  it('regenerates recovery codes: the old ones stop working, the new ones work', async () => {
    const t = buildApp();
    const { user, secret, recoveryCodes, accessToken } = await enrolled(t);
    const res = await request(t.app)
      .post('/api/users/me/mfa/recovery-codes')
      .set('x-access-token', accessToken)
      .send({ currentPassword: user.password, code: codeAt(secret, t.clock()) })
      .expect(200);
    expect(res.body.recoveryCodes).toHaveLength(10);
    expect(res.body.recoveryCodes).not.toContain(recoveryCodes[0]);

    const old = await secondStep(t, { mfaToken: (await passwordStep(t, user)).mfaToken, recoveryCode: recoveryCodes[1] });
    expect(old.status).toBe(401);
    await secondStep(t, { mfaToken: (await passwordStep(t, user)).mfaToken, recoveryCode: res.body.recoveryCodes[0] }).expect(200);
  });

  it('lets an admin remove the factors of a user who lost them, not their own', async () => {
    const t = buildApp();
    const { user, secret } = await enrolled(t);
    const admin = await createUser({ roles: ['admin'] });
    const { accessToken, id: adminId } = await signIn(t.app, admin);

    const self = await request(t.app).delete(`/api/users/${adminId}/mfa`).set('x-access-token', accessToken);
    expect(self.status).toBe(409);
    expect(self.body.code).toBe('SELF_RESET');

    const notAdmin = await request(t.app)
      .delete(`/api/users/${user.id}/mfa`)
      .set('x-access-token', (await secondStep(t, { mfaToken: (await passwordStep(t, user)).mfaToken, code: codeAt(secret, t.clock()) })).body.accessToken);
    expect(notAdmin.status).toBe(403);

    const res = await request(t.app).delete(`/api/users/${user.id.toUpperCase()}/mfa`).set('x-access-token', accessToken).expect(200);
    expect(res.body).toEqual({ message: expect.any(String), totpRemoved: true, passkeysRemoved: 0 });
    const after = await request(t.app).post('/api/auth/signin').send({ username: user.username, password: user.password }).expect(200);
    expect(after.body.accessToken).toEqual(expect.any(String));
    await request(t.app).delete('/api/users/0123456789abcdef01234567/mfa').set('x-access-token', accessToken).expect(404);
  });

  it('logs the events, and never a secret, code or recovery code', async () => {
    const logs = captureLogs('info');
    const t = buildApp({ logger: logs.logger });
    const { user, secret, recoveryCodes } = await enrolled(t);
    const { mfaToken } = await passwordStep(t, user);
    await secondStep(t, { mfaToken, code: '000000' });
    const code = codeAt(secret, t.clock());
    await secondStep(t, { mfaToken, code }).expect(200);
    await secondStep(t, { mfaToken: (await passwordStep(t, user)).mfaToken, recoveryCode: recoveryCodes[0] }).expect(200);

    const events = logs.entries().map((e) => e.event).filter(Boolean);
    expect(events).toEqual(expect.arrayContaining(['mfa_enabled', 'mfa_failed', 'recovery_code_used']));
    const text = logs.text();
    for (const value of [secret, code, mfaToken, recoveryCodes[0]!, recoveryCodes[0]!.replace(/-/g, '')]) expect(text).not.toContain(value);
  });
});

describe('one-time tokens', () => {
  it('are bound to the key derived from JWT_SECRET: another secret does not open them', async () => {
    const t = buildApp();
    const { user, secret } = await enrolled(t);
    const { mfaToken } = await passwordStep(t, user);
    const other = buildApp({ env: { JWT_SECRET: `${TEST_JWT_SECRET}-other-and-longer` }, clock: t.clock });
    const res = await secondStep(other, { mfaToken, code: codeAt(secret, t.clock()) });
    expect(res.status).toBe(401);
  });
});
