import bcrypt from 'bcryptjs';
import request from 'supertest';
import { ActionToken } from '../../src/models/action-token.model';
import { RefreshToken } from '../../src/models/refresh-token.model';
import { User } from '../../src/models/user.model';
import { buildApp } from '../helpers/app';
import { createUser, signIn } from '../helpers/factories';
import { captureLogs } from '../helpers/logs';
import { startMailbox, type Mailbox } from '../helpers/mailbox';

let mailbox: Mailbox;
beforeAll(async () => {
  mailbox = await startMailbox();
});
afterAll(async () => {
  await mailbox.close();
});
beforeEach(() => {
  mailbox.received.length = 0;
  mailbox.refuse(false);
});

const FORGOT = '/api/auth/forgot-password';
const RESET = '/api/auth/reset-password';
const withMail = (env: Record<string, string> = {}) =>
  buildApp({ env: { SMTP_URL: mailbox.url, APP_URL: 'https://app.example.com', SMTP_TIMEOUT_MS: '2000', ...env } });

describe('password reset over SMTP', () => {
  it('mails a single-use link that sets the password, ends every session and verifies the address', async () => {
    const { app } = withMail();
    const user = await createUser();
    const session = await signIn(app, user);

    const asked = await request(app).post(FORGOT).send({ email: user.email.toUpperCase() });
    expect(asked.status).toBe(200);
    const mail = await mailbox.waitFor(user.email);
    expect(mail.subject).toBe('Reset your password');
    expect(mail.link).toMatch(/^https:\/\/app\.example\.com\/reset-password#token=[\w-]{43}$/);
    expect(mail.html).toContain('href="https://app.example.com/reset-password#token=');
    // Stored as a hash only.
    const stored = await ActionToken.findOne().lean();
    expect(stored!.hash).not.toBe(mail.token);
    expect(JSON.stringify(stored)).not.toContain(mail.token!);

    const reset = await request(app).post(RESET).send({ token: mail.token, password: 'violet-kettle-drum' });
    expect(reset.status).toBe(200);
    expect(reset.body.message).toMatch(/password was reset/);
    const after = (await User.findById(user.id).lean())!;
    expect(await bcrypt.compare('violet-kettle-drum', after.password)).toBe(true);
    expect(after.emailVerified).toBe(true);
    expect(await RefreshToken.countDocuments({ user: user.id, revokedAt: null })).toBe(0);
    await request(app).get('/api/test/user').set('x-access-token', session.accessToken).expect(401);
    await request(app).post('/api/auth/signin').send({ username: user.username, password: 'violet-kettle-drum' }).expect(200);

    const again = await request(app).post(RESET).send({ token: mail.token, password: 'another-fine-pass' });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('INVALID_TOKEN');
  });

  it('answers an unknown address exactly like a known one, and sends nothing', async () => {
    const { app } = withMail();
    const known = await createUser();
    const a = await request(app).post(FORGOT).send({ email: known.email });
    const b = await request(app).post(FORGOT).send({ email: 'nobody@example.com' });
    expect(b.status).toBe(a.status);
    expect(b.body).toEqual(a.body);
    await mailbox.waitFor(known.email);
    await new Promise((r) => setTimeout(r, 200));
    expect(mailbox.received.map((m) => m.to)).toEqual([known.email]);
  });

  it('sends nothing to a disabled account', async () => {
    const { app } = withMail();
    const user = await createUser();
    await User.updateOne({ _id: user.id }, { $set: { disabled: true } });
    await request(app).post(FORGOT).send({ email: user.email }).expect(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(mailbox.received).toHaveLength(0);
  });

  it('voids the previous link when a new one is asked for', async () => {
    const { app } = withMail();
    const user = await createUser();
    await request(app).post(FORGOT).send({ email: user.email }).expect(200);
    const first = await mailbox.waitFor(user.email);
    mailbox.received.length = 0;
    await request(app).post(FORGOT).send({ email: user.email }).expect(200);
    const second = await mailbox.waitFor(user.email);
    expect(second.token).not.toBe(first.token);
    expect((await request(app).post(RESET).send({ token: first.token, password: 'violet-kettle-drum' })).body.code).toBe('INVALID_TOKEN');
    await request(app).post(RESET).send({ token: second.token, password: 'violet-kettle-drum' }).expect(200);
  });

  it('refuses an expired link (RESET_TOKEN_TTL_SECONDS, by the injected clock)', async () => {
    const { app, clock } = withMail({ RESET_TOKEN_TTL_SECONDS: '1800' });
    const user = await createUser();
    await request(app).post(FORGOT).send({ email: user.email }).expect(200);
    const mail = await mailbox.waitFor(user.email);
    clock.advance(1800 * 1000);
    const res = await request(app).post(RESET).send({ token: mail.token, password: 'violet-kettle-drum' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_TOKEN');
  });

  it('keeps the link usable when the new password is refused by the policy', async () => {
    const { app } = withMail();
    const user = await createUser();
    await request(app).post(FORGOT).send({ email: user.email }).expect(200);
    const mail = await mailbox.waitFor(user.email);
    const weak = await request(app).post(RESET).send({ token: mail.token, password: 'password123' });
    expect(weak.status).toBe(400);
    expect(weak.body.code).toBe('WEAK_PASSWORD');
    await request(app).post(RESET).send({ token: mail.token, password: 'violet-kettle-drum' }).expect(200);
  });

  it('lets exactly one of 10 concurrent uses of a link through', async () => {
    const { app } = withMail({ HASH_QUEUE_PER_CLIENT: '32' });
    const user = await createUser();
    await request(app).post(FORGOT).send({ email: user.email }).expect(200);
    const mail = await mailbox.waitFor(user.email);
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) => request(app).post(RESET).send({ token: mail.token, password: `violet-kettle-${i}x` })),
    );
    expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
    expect(replies.filter((r) => r.status === 400)).toHaveLength(9);
  });

  it('refuses a token of another purpose, and a link sent to an address the account no longer has', async () => {
    const { app } = withMail();
    const user = await createUser();
    const { accessToken } = await signIn(app, user);
    await request(app).post('/api/users/me/verification-email').set('x-access-token', accessToken).expect(200);
    const verification = await mailbox.waitFor(user.email);
    expect((await request(app).post(RESET).send({ token: verification.token, password: 'violet-kettle-drum' })).body.code).toBe('INVALID_TOKEN');

    mailbox.received.length = 0;
    await request(app).post(FORGOT).send({ email: user.email }).expect(200);
    const reset = await mailbox.waitFor(user.email);
    await User.updateOne({ _id: user.id }, { $set: { email: 'moved@example.com', emailKey: 'moved@example.com' } });
    expect((await request(app).post(RESET).send({ token: reset.token, password: 'violet-kettle-drum' })).body.code).toBe('INVALID_TOKEN');
  });

  it('throttles mails per address (MAIL_MAX_PER_ADDRESS) and per client address, known or not', async () => {
    const { app } = withMail({ MAIL_MAX_PER_ADDRESS: '3', MAIL_MAX_PER_IP: '5' });
    const user = await createUser();
    const replies = await Promise.all(Array.from({ length: 8 }, () => request(app).post(FORGOT).send({ email: user.email })));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(3);
    for (const reply of replies.filter((r) => r.status !== 200)) {
      expect(reply.status).toBe(429);
      expect(reply.body.code).toBe('TOO_MANY_EMAILS');
    }
    // Two more addresses fill the per-client count (5).
    await request(app).post(FORGOT).send({ email: 'a@example.com' }).expect(200);
    await request(app).post(FORGOT).send({ email: 'b@example.com' }).expect(200);
    expect((await request(app).post(FORGOT).send({ email: 'c@example.com' })).status).toBe(429);
  });

  it('replies 503 when the SMTP server is down, and logs it without the token', async () => {
    const logs = captureLogs('warn');
    const { app } = buildApp({ logger: logs.logger, env: { SMTP_URL: mailbox.url, SMTP_TIMEOUT_MS: '1000' } });
    const user = await createUser();
    mailbox.refuse(true);
    const res = await request(app).post(FORGOT).send({ email: user.email });
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('MAIL_UNAVAILABLE');
    expect(res.headers['retry-after']).toBeDefined();
    expect(logs.text()).toContain('mail not sent');
  });

  it('lets an admin send a user a reset mail', async () => {
    const { app } = withMail();
    const admin = await signIn(app, await createUser({ roles: ['user', 'admin'] }));
    const user = await createUser();
    await request(app).post(`/api/users/${user.id}/password-reset`).set('x-access-token', admin.accessToken).expect(200);
    const mail = await mailbox.waitFor(user.email);
    await request(app).post(RESET).send({ token: mail.token, password: 'violet-kettle-drum' }).expect(200);
    await request(app).post('/api/users/64b7f0c2a1b2c3d4e5f60718/password-reset').set('x-access-token', admin.accessToken).expect(404);
  });
});

describe('email verification', () => {
  it('mails a verification link at sign-up (optional mode) and signs in regardless', async () => {
    const { app } = withMail();
    await request(app).post('/api/auth/signup').send({ username: 'carol', email: 'carol@example.com', password: 'violet-kettle-drum' }).expect(200);
    const mail = await mailbox.waitFor('carol@example.com');
    expect(mail.subject).toBe('Confirm your email address');
    expect(mail.link).toMatch(/^https:\/\/app\.example\.com\/verify-email#token=/);

    const before = await request(app).post('/api/auth/signin').send({ username: 'carol', password: 'violet-kettle-drum' }).expect(200);
    expect(before.body.emailVerified).toBe(false);
    await request(app).post('/api/auth/verify-email').send({ token: mail.token }).expect(200);
    const after = await request(app).post('/api/auth/signin').send({ username: 'carol', password: 'violet-kettle-drum' }).expect(200);
    expect(after.body.emailVerified).toBe(true);
    const me = await request(app).get('/api/users/me').set('x-access-token', after.body.accessToken).expect(200);
    expect(me.body.emailVerified).toBe(true);
    expect((await request(app).post('/api/auth/verify-email').send({ token: mail.token })).body.code).toBe('INVALID_TOKEN');
    // Nothing left to verify.
    const resend = await request(app).post('/api/users/me/verification-email').set('x-access-token', after.body.accessToken);
    expect(resend.status).toBe(409);
    expect(resend.body.code).toBe('EMAIL_ALREADY_VERIFIED');
  });

  it('refuses sign-in of an unverified account in required mode, keeping the sign-up message', async () => {
    const { app } = withMail({ EMAIL_VERIFICATION: 'required' });
    const signup = await request(app).post('/api/auth/signup').send({ username: 'dave', email: 'dave@example.com', password: 'violet-kettle-drum' });
    expect(signup.body).toEqual({ message: 'User was registered successfully!' });
    const refused = await request(app).post('/api/auth/signin').send({ username: 'dave', password: 'violet-kettle-drum' });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('EMAIL_NOT_VERIFIED');
    // A wrong password still says so first: the reply tells a guesser nothing more.
    expect((await request(app).post('/api/auth/signin').send({ username: 'dave', password: 'wrong-password' })).status).toBe(401);
    const mail = await mailbox.waitFor('dave@example.com');
    await request(app).post('/api/auth/verify-email').send({ token: mail.token }).expect(200);
    await request(app).post('/api/auth/signin').send({ username: 'dave', password: 'violet-kettle-drum' }).expect(200);
  });

  it('sends no mail at sign-up when verification is off', async () => {
    const { app } = withMail({ EMAIL_VERIFICATION: 'off' });
    await request(app).post('/api/auth/signup').send({ username: 'erin', email: 'erin@example.com', password: 'violet-kettle-drum' }).expect(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(mailbox.received).toHaveLength(0);
  });
});

describe('email change', () => {
  it('applies only once the link mailed to the new address is used, and tells the old address', async () => {
    const { app } = withMail();
    const user = await createUser();
    const { accessToken } = await signIn(app, user);
    const asked = await request(app)
      .put('/api/users/me/email')
      .set('x-access-token', accessToken)
      .send({ email: 'New.Address@example.com', currentPassword: user.password });
    expect(asked.status).toBe(200);
    expect((await User.findById(user.id).lean())!.email).toBe(user.email);

    const confirm = await mailbox.waitFor('New.Address@example.com');
    expect(confirm.link).toMatch(/\/confirm-email#token=/);
    await request(app).post('/api/auth/confirm-email').send({ token: confirm.token }).expect(200);
    const after = (await User.findById(user.id).lean())!;
    expect(after).toMatchObject({ email: 'New.Address@example.com', emailKey: 'new.address@example.com', emailVerified: true });
    const notice = await mailbox.waitFor(user.email);
    expect(notice.subject).toBe('Your email address was changed');
    expect(notice.text).toContain('New.Address@example.com');
    expect(notice.token).toBeUndefined();
  });

  it('needs the current password (counted like a failed sign-in), and a free, different address', async () => {
    const { app } = withMail();
    const user = await createUser();
    const other = await createUser();
    const { accessToken } = await signIn(app, user);
    const change = (email: string, currentPassword: string) =>
      request(app).put('/api/users/me/email').set('x-access-token', accessToken).send({ email, currentPassword });
    expect((await change('fresh@example.com', 'not-my-password')).body.code).toBe('INVALID_PASSWORD');
    const taken = await change(other.email.toUpperCase(), user.password);
    expect(taken.status).toBe(400);
    expect(taken.body.message).toBe('Failed! Email is already in use!');
    expect((await change(user.email, user.password)).body.code).toBe('EMAIL_UNCHANGED');
    expect(mailbox.received).toHaveLength(0);
  });

  it('refuses the change when the address was taken between the request and the link', async () => {
    const { app } = withMail();
    const user = await createUser();
    const { accessToken } = await signIn(app, user);
    await request(app).put('/api/users/me/email').set('x-access-token', accessToken).send({ email: 'wanted@example.com', currentPassword: user.password }).expect(200);
    const confirm = await mailbox.waitFor('wanted@example.com');
    await createUser({ username: 'quicker', email: 'wanted@example.com' });
    const res = await request(app).post('/api/auth/confirm-email').send({ token: confirm.token });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('Failed! Email is already in use!');
    expect((await User.findById(user.id).lean())!.email).toBe(user.email);
  });
});
