import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { Types } from 'mongoose';
import { DEFAULT_ROLE } from '../config/roles';
import type { SigninMethod } from '../models/refresh-token.model';
import { User, normalizeKey } from '../models/user.model';
import { AppError, Messages } from '../utils/app-error';
import type { SigninInput, SignupInput } from '../validations/auth.validation';
import type { EmailService } from './email';
import type { OneTimeTokens, PasskeyService, SecondFactorInput, TotpService } from './mfa';
import type { PasswordPolicy, PasswordService } from './password';
import type { RoleService } from './role.service';
import type { SecurityEvents } from './security-events';
import type { ClientContext, SessionService } from './session.service';
import { isThrottled, type PasswordAttempts } from './throttle';
import type { TokenService } from './token.service';
import type { UserService } from './user.service';
import type { UserStateService } from './user-state.service';
import type { Clock } from '../utils/clock';

export interface SigninResult {
  id: string;
  username: string;
  email: string;
  roles: string[];
  emailVerified: boolean;
  accessToken: string;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

/** The password was right and the account has a second factor: the sign-in continues at /signin/mfa. */
export interface MfaChallenge {
  mfaRequired: true;
  /** Single use, for MFA_TOKEN_TTL_SECONDS; it is not an access token. */
  mfaToken: string;
  methods: ('totp' | 'recovery_code')[];
}

export interface RefreshResult {
  accessToken: string;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

/** The verified caller of a request that may carry an access token. */
export interface Requester {
  userId: string;
  tokenVersion: number;
}

export interface AuthService {
  signup(input: SignupInput, requester: Requester | undefined, ctx: ClientContext): Promise<void>;
  signin(input: SigninInput, ctx: ClientContext): Promise<SigninResult | MfaChallenge>;
  /** The second step of a sign-in whose account has an authenticator app. */
  completeMfa(input: SecondFactorInput & { mfaToken: string }, ctx: ClientContext): Promise<SigninResult>;
  /** A whole sign-in with a passkey (see PasskeyService.authenticate). */
  signinWithPasskey(response: AuthenticationResponseJSON, ctx: ClientContext): Promise<SigninResult>;
  refresh(refreshToken: string | undefined, ctx: ClientContext): Promise<RefreshResult>;
  /** Revokes the sessions of the tokens given (a body token and a cookie may differ). */
  signout(refreshTokens: readonly string[], ctx: ClientContext): Promise<void>;
  /** Revokes every session of the user; returns how many were active. */
  signoutEverywhere(userId: string, ctx: ClientContext): Promise<number>;
}

export interface AuthServiceDeps {
  users: UserService;
  roles: RoleService;
  passwords: PasswordService;
  policy: PasswordPolicy;
  tokens: TokenService;
  sessions: SessionService;
  userState: UserStateService;
  attempts: PasswordAttempts;
  events: SecurityEvents;
  email: EmailService;
  emailVerification: 'off' | 'optional' | 'required';
  oneTimeTokens: OneTimeTokens;
  totp: TotpService;
  passkeys: PasskeyService;
  mfaTokenTtlSeconds: number;
  clock: Clock;
}

const requireAdmin = () => new AppError(403, 'FORBIDDEN', Messages.requireRole('Admin'));
const refreshRequired = () => new AppError(403, 'REFRESH_TOKEN_REQUIRED', Messages.refreshRequired);
const mfaTokenInvalid = () =>
  new AppError(401, 'MFA_TOKEN_INVALID', 'This sign-in expired or was already completed; please sign in again.');

/** What finishing a sign-in reads of the user, whichever way it went. */
const SIGNIN_FIELDS = { username: 1, email: 1, roles: 1, disabled: 1, tokenVersion: 1, emailVerified: 1 } as const;

interface SigningInUser {
  _id: Types.ObjectId;
  username: string;
  email: string;
  roles: Types.ObjectId[];
  disabled?: boolean | null;
  tokenVersion?: number | null;
  emailVerified?: boolean | null;
}

export function createAuthService(deps: AuthServiceDeps): AuthService {
  const { users, roles, passwords, policy, tokens, sessions, userState, attempts, events, email, oneTimeTokens, totp, passkeys, clock } = deps;

  /** Checked once the user proved who they are, so that the reply tells nothing to someone guessing. */
  function assertMayEnter(user: SigningInUser): void {
    if (user.disabled) throw new AppError(403, 'ACCOUNT_DISABLED', Messages.accountDisabled);
    if (deps.emailVerification === 'required' && !user.emailVerified) {
      throw new AppError(403, 'EMAIL_NOT_VERIFIED', 'Please verify your email address first: use the link we sent you, or ask for a new one.');
    }
  }

  /** The session and the reply of a completed sign-in; `alongside` runs beside the session's start. */
  async function enter(user: SigningInUser, method: SigninMethod, ctx: ClientContext, alongside?: Promise<void>): Promise<SigninResult> {
    const [roleNames, session] = await Promise.all([
      roles.authorities(user.roles),
      sessions.start(user._id, ctx, { method }),
      alongside,
      // Beside the session's insert, so it adds no round trip: the admin console's "last sign-in".
      User.updateOne({ _id: user._id }, { $set: { lastSigninAt: new Date(clock()) } }),
    ]);
    const userId = user._id.toString();
    events.record('signin_succeeded', { userId, username: user.username, ...ctx, sessionId: session.sessionId, detail: { method } });
    return {
      id: userId,
      username: user.username,
      email: user.email,
      roles: roleNames,
      emailVerified: user.emailVerified === true,
      accessToken: tokens.signAccessToken(userId, session.sessionId, user.tokenVersion ?? 0),
      refreshToken: session.refreshToken,
      refreshTokenExpiresAt: session.expiresAt,
    };
  }

  return {
    async signup(input, requester, ctx) {
      policy.check(input.password, input);
      // A client whose hashing share is full is refused before any database work.
      passwords.assertRoom(ctx.ip);
      const requested = [...new Set(input.roles?.length ? input.roles : [DEFAULT_ROLE])];

      const roleIds = await roles.resolve(requested);

      // Anything above a plain user is granted only by an admin, on this same request.
      if (requested.some((name) => name !== DEFAULT_ROLE)) {
        const state = requester === undefined ? undefined : await userState.get(requester.userId);
        if (!state || state.disabled || state.tokenVersion !== requester?.tokenVersion || !state.roles.includes('admin')) {
          throw requireAdmin();
        }
      }

      const { id } = await users.create({
        username: input.username,
        email: input.email,
        password: input.password,
        roleIds,
        ip: ctx.ip,
      });
      // An admin who granted roles is the actor; otherwise the new user is.
      const grantedBy = requested.some((name) => name !== DEFAULT_ROLE) ? requester?.userId : undefined;
      events.record('user_registered', { userId: id, username: input.username, actorId: grantedBy, ...ctx, detail: { roles: requested } });
      // The verification mail goes out in the background: the contract's reply does not wait
      // for an SMTP round trip, and a failure is logged (the user can ask for another).
      email.welcome({ _id: new Types.ObjectId(id), username: input.username, email: input.email }, ctx);
    },

    async signin({ username, password }, ctx) {
      let attempt;
      try {
        // The per-address request count is taken here too: one round trip for all three.
        attempt = await attempts.begin(username, ctx.ip, { countRequest: true });
      } catch (err) {
        if (isThrottled(err)) events.record('signin_throttled', { username, ...ctx, detail: { code: err.code } });
        throw err;
      }

      const user = await User.findOne(
        { usernameKey: normalizeKey(username) },
        { ...SIGNIN_FIELDS, password: 1, totp: 1 },
      ).lean();
      if (!user) {
        events.record('signin_failed', { username, ...ctx, detail: { reason: 'unknown_user' } });
        throw new AppError(404, 'USER_NOT_FOUND', Messages.userNotFound);
      }
      if (!(await passwords.verify(password, user.password, ctx.ip))) {
        events.record('signin_failed', { username, userId: user._id.toString(), ...ctx, detail: { reason: 'wrong_password' } });
        throw new AppError(401, 'INVALID_PASSWORD', Messages.invalidPassword, { accessToken: null });
      }
      assertMayEnter(user);

      if (user.totp) {
        // The password was right, so its counters are settled; the code has counters of its own.
        await attempt.succeeded();
        return {
          mfaRequired: true,
          mfaToken: oneTimeTokens.issue('mfa', deps.mfaTokenTtlSeconds, { id: user._id, version: user.tokenVersion ?? 0 }),
          methods: ['totp', 'recovery_code'],
        };
      }
      return enter(user, 'password', ctx, attempt.succeeded());
    },

    async completeMfa({ mfaToken, ...factor }, ctx) {
      const pending = oneTimeTokens.open(mfaToken, 'mfa');
      if (!pending?.userId) throw mfaTokenInvalid();
      const user = await User.findById(pending.userId, { ...SIGNIN_FIELDS, totp: 1 }).lean();
      // A password change since the first step (the version moved on) voids the token.
      if (!user || !user.totp || (user.tokenVersion ?? 0) !== pending.version) throw mfaTokenInvalid();
      assertMayEnter(user);
      const used = await totp.verify(user, factor, ctx, { failure: 401, pendingSigninId: pending.id });
      // Right code: the token is used up here, so of concurrent completions one gets a session.
      if (!(await oneTimeTokens.spend(pending))) throw mfaTokenInvalid();
      return enter(user, used === 'totp' ? 'password+totp' : 'password+recovery_code', ctx);
    },

    async signinWithPasskey(response, ctx) {
      const { userId } = await passkeys.authenticate(response, ctx);
      const user = await User.findById(userId, SIGNIN_FIELDS).lean();
      if (!user) throw new AppError(401, 'PASSKEY_REFUSED', 'The passkey sign-in failed; please try again.');
      assertMayEnter(user);
      return enter(user, 'passkey', ctx);
    },

    async refresh(refreshToken, ctx) {
      if (!refreshToken) throw refreshRequired();
      const rotated = await sessions.rotate(refreshToken, ctx);
      return {
        accessToken: tokens.signAccessToken(rotated.userId, rotated.sessionId, rotated.tokenVersion),
        refreshToken: rotated.refreshToken,
        refreshTokenExpiresAt: rotated.expiresAt,
      };
    },

    async signout(refreshTokens, ctx) {
      if (refreshTokens.length === 0) throw refreshRequired();
      const ended = await Promise.all([...new Set(refreshTokens)].map((token) => sessions.revokeByToken(token)));
      for (const session of ended) if (session) events.record('signed_out', { ...ctx, ...session });
    },

    async signoutEverywhere(userId, ctx) {
      const revoked = await sessions.revokeAll(userId, 'signout_all');
      events.record('signed_out_everywhere', { userId, ...ctx, detail: { revokedSessions: revoked } });
      return revoked;
    },
  };
}
