import jwt from 'jsonwebtoken';
import mongoose from 'mongoose';
import request from 'supertest';
import { RefreshToken } from '../../src/models/refresh-token.model';
import { buildApp } from '../helpers/app';
import { createUser, signIn } from '../helpers/factories';

const REFRESH = '/api/auth/refreshtoken';

describe('POST /api/auth/refreshtoken', () => {
  it('mints a new access token for the token owner that opens the user board', async () => {
    const { app, clock } = buildApp();
    const user = await createUser();
    const session = await signIn(app, user);
    clock.advance(5_000); // a later iat, so the new access token differs from the first

    const res = await request(app).post(REFRESH).send({ refreshToken: session.refreshToken });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String) });
    expect(res.body.accessToken).not.toBe(session.accessToken);
    expect(res.body.refreshToken).not.toBe(session.refreshToken);
    expect((jwt.decode(res.body.accessToken) as jwt.JwtPayload).sub).toBe(user.id);

    await request(app).get('/api/test/user').set('x-access-token', res.body.accessToken).expect(200);
  });

  it('keeps working for a client that always presents its sign-in token', async () => {
    const { app } = buildApp();
    const session = await signIn(app, await createUser());
    for (let i = 0; i < 3; i += 1) {
      await request(app).post(REFRESH).send({ refreshToken: session.refreshToken }).expect(200);
    }
  });

  it.each([
    ['no body', undefined],
    ['an empty body', {}],
    ['an empty token', { refreshToken: '' }],
  ])('replies 403 "Refresh Token is required!" to %s', async (_label, body) => {
    const { app } = buildApp();
    const res = await request(app).post(REFRESH).send(body);
    expect(res.status).toBe(403);
    expect(res.body.message).toBe('Refresh Token is required!');
  });

  it('replies 403 "Refresh token is not in database!" to an unknown token', async () => {
    const { app } = buildApp();
    const res = await request(app).post(REFRESH).send({ refreshToken: 'f5b2c8a0-0000-4000-8000-000000000000' });
    expect(res.status).toBe(403);
    expect(res.body.message).toBe('Refresh token is not in database!');
  });

  it('does not accept the stored hash in place of the token', async () => {
    const { app } = buildApp();
    await signIn(app, await createUser());
    const stored = await RefreshToken.findOne().lean();
    const res = await request(app).post(REFRESH).send({ refreshToken: stored!.rootHash });
    expect(res.status).toBe(403);
    expect(res.body.message).toBe('Refresh token is not in database!');
  });

  it('refuses an operator object with a 400 instead of matching some stored token', async () => {
    const { app } = buildApp();
    await signIn(app, await createUser());
    const res = await request(app).post(REFRESH).send({ refreshToken: { $ne: null } });
    expect(res.status).toBe(400);
    expect(res.body).not.toHaveProperty('accessToken');
  });

  it('replies 403 "Refresh token was expired..." after JWT_REFRESH_TTL and deletes the token', async () => {
    const { app, clock } = buildApp({ env: { JWT_REFRESH_TTL: '60' } });
    const session = await signIn(app, await createUser());

    clock.advance(59_000);
    await request(app).post(REFRESH).send({ refreshToken: session.refreshToken }).expect(200);

    clock.advance(1_000);
    const res = await request(app).post(REFRESH).send({ refreshToken: session.refreshToken });
    expect(res.status).toBe(403);
    expect(res.body.message).toBe('Refresh token was expired. Please make a new signin request');
    expect(await RefreshToken.countDocuments()).toBe(0);
  });

  it('has a TTL index so that MongoDB purges expired tokens', async () => {
    const indexes = await mongoose.connection.collection(RefreshToken.collection.name).indexes();
    expect(indexes).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: { expiresAt: 1 }, expireAfterSeconds: 0 })]),
    );
    expect(indexes).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: { rootHash: 1 }, unique: true })]),
    );
  });
});
