/**
 * The Postman journey: a user's way through the API in order (sign up, sign in, boards,
 * refresh, account, an admin acting on that user, sign out), each request with `pm.test`
 * assertions on its status and the shape of its body, and scripts that keep every id and
 * token the next requests need. It makes its own user each run, so it can run again and
 * again (`newman run … -n 2` in CI). Written by `npm run postman` beside the collection of
 * every operation.
 */
import { v5 as uuidv5 } from 'uuid';

const ID_NAMESPACE = '0c8f6f8e-3b9a-4d53-9b1e-7d2f1a4c5e60';

interface Step {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** Whose access token goes with it. */
  as?: 'user' | 'admin';
  body?: unknown;
  status: number;
  /** Checks on `body` (the parsed JSON reply) or `text`, as JavaScript lines run in Postman's sandbox. */
  checks: string[];
  /** Lines run after the checks when the status is right: keep what later steps use. */
  keep?: string[];
  /** Lines run before the request. */
  before?: string[];
}

const json = (expr: string) => `pm.expect(${expr})`;

const STEPS: Step[] = [
  {
    name: 'Sign up (a new user each run)',
    method: 'POST',
    path: 'api/auth/signup',
    before: [
      "const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;",
      "pm.environment.set('username', `journey-${run}`);",
      "pm.environment.set('email', `journey-${run}@example.com`);",
    ],
    body: { username: '{{username}}', email: '{{email}}', password: '{{password}}' },
    status: 200,
    checks: [`${json('body.message')}.to.eql('User was registered successfully!');`],
  },
  {
    name: 'Sign in',
    method: 'POST',
    path: 'api/auth/signin',
    body: { username: '{{username}}', password: '{{password}}' },
    status: 200,
    checks: [
      `${json('body')}.to.have.all.keys('id', 'username', 'email', 'roles', 'emailVerified', 'accessToken', 'refreshToken');`,
      `${json('body.roles')}.to.eql(['ROLE_USER']);`,
      `${json('body.username')}.to.eql(pm.environment.get('username'));`,
    ],
    keep: [
      "pm.environment.set('accessToken', body.accessToken);",
      "pm.environment.set('refreshToken', body.refreshToken);",
      "pm.environment.set('userId', body.id);",
    ],
  },
  { name: 'Public board', method: 'GET', path: 'api/test/all', status: 200, checks: [`${json('text')}.to.eql('Public Content.');`] },
  { name: 'User board', method: 'GET', path: 'api/test/user', as: 'user', status: 200, checks: [`${json('text')}.to.eql('User Content.');`] },
  {
    name: 'Moderator board, refused',
    method: 'GET',
    path: 'api/test/mod',
    as: 'user',
    status: 403,
    checks: [`${json('body.message')}.to.eql('Require Moderator Role!');`],
  },
  {
    name: 'Refresh the access token',
    method: 'POST',
    path: 'api/auth/refreshtoken',
    body: { refreshToken: '{{refreshToken}}' },
    status: 200,
    checks: [`${json('body')}.to.have.all.keys('accessToken', 'refreshToken');`, `${json('body.refreshToken')}.to.not.eql(pm.environment.get('refreshToken'));`],
    keep: ["pm.environment.set('accessToken', body.accessToken);", "pm.environment.set('refreshToken', body.refreshToken);"],
  },
  {
    name: 'My profile',
    method: 'GET',
    path: 'api/users/me',
    as: 'user',
    status: 200,
    checks: [
      `${json('body.id')}.to.eql(pm.environment.get('userId'));`,
      `${json('body.mfa')}.to.eql({ totp: false, recoveryCodesLeft: 0, passkeys: 0 });`,
      `${json('body')}.to.not.have.property('password');`,
    ],
  },
  {
    name: 'My sessions',
    method: 'GET',
    path: 'api/users/me/sessions',
    as: 'user',
    status: 200,
    checks: [`${json('body.sessions')}.to.be.an('array').that.is.not.empty;`, `${json('body.sessions.some((s) => s.current)')}.to.be.true;`],
    keep: ["pm.environment.set('sessionId', body.sessions.find((s) => s.current).id);"],
  },
  {
    name: 'My security events',
    method: 'GET',
    path: 'api/users/me/activity',
    as: 'user',
    status: 200,
    checks: [`${json('body.events')}.to.be.an('array');`, `${json('body')}.to.have.property('nextCursor');`],
  },
  {
    name: 'Admin: sign in',
    method: 'POST',
    path: 'api/auth/signin',
    body: { username: '{{adminUsername}}', password: '{{adminPassword}}' },
    status: 200,
    checks: [`${json('body.roles')}.to.include('ROLE_ADMIN');`],
    keep: ["pm.environment.set('adminToken', body.accessToken);", "pm.environment.set('adminRefreshToken', body.refreshToken);"],
  },
  {
    name: 'Admin: find the user',
    method: 'GET',
    path: 'api/users?q={{username}}',
    as: 'admin',
    status: 200,
    checks: [`${json('body.users.map((u) => u.id)')}.to.include(pm.environment.get('userId'));`],
  },
  {
    name: 'Admin: make the user a moderator',
    method: 'PUT',
    path: 'api/users/{{userId}}/roles',
    as: 'admin',
    body: { roles: ['user', 'moderator'] },
    status: 200,
    checks: [`${json('body.roles')}.to.have.members(['ROLE_USER', 'ROLE_MODERATOR']);`],
  },
  {
    name: 'Moderator board, now allowed',
    method: 'GET',
    path: 'api/test/mod',
    as: 'user',
    status: 200,
    checks: [`${json('text')}.to.eql('Moderator Content.');`],
  },
  {
    name: "Admin: the user's sessions",
    method: 'GET',
    path: 'api/users/{{userId}}/sessions',
    as: 'admin',
    status: 200,
    checks: [`${json('body.sessions.map((s) => s.id)')}.to.include(pm.environment.get('sessionId'));`],
  },
  {
    name: 'Admin: disable the user',
    method: 'POST',
    path: 'api/users/{{userId}}/disable',
    as: 'admin',
    status: 200,
    checks: [`${json('body.disabled')}.to.be.true;`],
  },
  {
    name: 'Sign-in of the disabled user, refused',
    method: 'POST',
    path: 'api/auth/signin',
    body: { username: '{{username}}', password: '{{password}}' },
    status: 403,
    checks: [`${json('body.code')}.to.eql('ACCOUNT_DISABLED');`],
  },
  {
    name: 'Admin: enable the user',
    method: 'POST',
    path: 'api/users/{{userId}}/enable',
    as: 'admin',
    status: 200,
    checks: [`${json('body.disabled')}.to.be.false;`],
  },
  {
    name: "Admin: the user's audit trail",
    method: 'GET',
    path: 'api/audit?user={{userId}}',
    as: 'admin',
    status: 200,
    checks: [`${json('body.events.map((e) => e.type)')}.to.include.members(['user_registered', 'signin_succeeded']);`],
  },
  {
    name: 'Sign in again',
    method: 'POST',
    path: 'api/auth/signin',
    body: { username: '{{username}}', password: '{{password}}' },
    status: 200,
    checks: [`${json('body.roles')}.to.have.members(['ROLE_USER', 'ROLE_MODERATOR']);`],
    keep: ["pm.environment.set('accessToken', body.accessToken);", "pm.environment.set('refreshToken', body.refreshToken);"],
  },
  {
    name: 'Sign out',
    method: 'POST',
    path: 'api/auth/signout',
    body: { refreshToken: '{{refreshToken}}' },
    status: 200,
    checks: [`${json('body.message')}.to.eql("You've been signed out!");`],
  },
  {
    name: 'Refresh after sign-out, refused',
    method: 'POST',
    path: 'api/auth/refreshtoken',
    body: { refreshToken: '{{refreshToken}}' },
    status: 403,
    checks: [`${json('body.code')}.to.eql('REFRESH_TOKEN_REVOKED');`],
  },
  {
    name: 'Admin: sign out',
    method: 'POST',
    path: 'api/auth/signout',
    body: { refreshToken: '{{adminRefreshToken}}' },
    status: 200,
    checks: [`${json('body.message')}.to.eql("You've been signed out!");`],
  },
];

function testScript(step: Step): string[] {
  return [
    `pm.test('${step.method} ${step.path} answers ${step.status}', () => pm.response.to.have.status(${step.status}));`,
    "const text = pm.response.text();",
    "const body = (pm.response.headers.get('Content-Type') || '').includes('application/json') ? pm.response.json() : undefined;",
    `pm.test('the reply has the documented shape', () => {`,
    ...step.checks.map((line) => `  ${line}`),
    '});',
    ...(step.keep ? [`if (pm.response.code === ${step.status}) {`, ...step.keep.map((line) => `  ${line}`), '}'] : []),
  ];
}

export function buildJourney(): object {
  return {
    info: {
      _postman_id: uuidv5('auth-api journey', ID_NAMESPACE),
      name: 'auth-api: a user journey',
      description:
        "Sign up, sign in, the boards, refresh, the account, an admin acting on the user, sign out; every request asserts its status and reply. Needs an admin (adminUsername/adminPassword: the service's ADMIN_* variables). Run it with the environment beside it, as often as you like: each run makes its own user.",
      schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json',
    },
    item: STEPS.map((step) => {
      const [route, query] = step.path.split('?');
      return {
        id: uuidv5(step.name, ID_NAMESPACE),
        name: step.name,
        event: [
          ...(step.before ? [{ listen: 'prerequest', script: { type: 'text/javascript', exec: step.before } }] : []),
          { listen: 'test', script: { type: 'text/javascript', exec: testScript(step) } },
        ],
        request: {
          method: step.method,
          header: [
            ...(step.body === undefined ? [] : [{ key: 'Content-Type', value: 'application/json' }]),
            ...(step.as ? [{ key: 'x-access-token', value: step.as === 'admin' ? '{{adminToken}}' : '{{accessToken}}' }] : []),
          ],
          ...(step.body === undefined ? {} : { body: { mode: 'raw', raw: JSON.stringify(step.body, null, 2) } }),
          url: {
            raw: `{{baseUrl}}/${step.path}`,
            host: ['{{baseUrl}}'],
            path: route!.split('/'),
            ...(query ? { query: query.split('&').map((pair) => ({ key: pair.split('=')[0], value: pair.split('=')[1] })) } : {}),
          },
        },
      };
    }),
  };
}

export const JOURNEY_OPERATIONS = STEPS.map((step) => `${step.method} /${step.path.split('?')[0]!.replace(/\{\{(\w+)\}\}/g, '{$1}')}`);
