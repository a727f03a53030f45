import { Types } from 'mongoose';
import { DEFAULT_ROLE } from '../config/roles';
import { User, normalizeKey } from '../models/user.model';
import { AppError, Messages } from '../utils/app-error';
import type { SigninInput, SignupInput } from '../validations/auth.validation';
import type { EmailService } from './email';
import type { PasswordPolicy, PasswordService } from './password';
import type { RoleService } from './role.service';
import type { SecurityEvents } from './security-events';
import type { ClientContext, SessionService } from './session.service';
import { isThrottled, type PasswordAttempts } from './throttle';
import type { TokenService } from './token.service';
import type { UserService } from './user.service';
import type { UserStateService } from './user-state.service';

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
  signin(input: SigninInput, ctx: ClientContext): Promise<SigninResult>;
  refresh(refreshToken: string | undefined, ctx: ClientContext): Promise<RefreshResult>;
  /** Revokes the sessions of the tokens given (a body token and a cookie may differ). */
  signout(refreshTokens: readonly string[]): Promise<void>;
  /** Revokes every session of the user; returns how many were active. */
  signoutEverywhere(userId: string): Promise<number>;
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
}

const requireAdmin = () => new AppError(403, 'FORBIDDEN', Messages.requireRole('Admin'));
const refreshRequired = () => new AppError(403, 'REFRESH_TOKEN_REQUIRED', Messages.refreshRequired);

export function createAuthService(deps: AuthServiceDeps): AuthService {
  const { users, roles, passwords, policy, tokens, sessions, userState, attempts, events, email } = deps;

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
        { username: 1, email: 1, password: 1, roles: 1, disabled: 1, tokenVersion: 1, emailVerified: 1 },
      ).lean();
      if (!user) {
        events.record('signin_failed', { username, ...ctx, detail: { reason: 'unknown_user' } });
        throw new AppError(404, 'USER_NOT_FOUND', Messages.userNotFound);
      }
      if (!(await passwords.verify(password, user.password, ctx.ip))) {
        events.record('signin_failed', { username, userId: user._id.toString(), ...ctx, detail: { reason: 'wrong_password' } });
        throw new AppError(401, 'INVALID_PASSWORD', Messages.invalidPassword, { accessToken: null });
      }
      // Checked after the password, so that the reply tells nothing to someone guessing.
      if (user.disabled) throw new AppError(403, 'ACCOUNT_DISABLED', Messages.accountDisabled);
      if (deps.emailVerification === 'required' && !user.emailVerified) {
        throw new AppError(403, 'EMAIL_NOT_VERIFIED', 'Please verify your email address first: use the link we sent you, or ask for a new one.');
      }

      const [roleNames, session] = await Promise.all([
        roles.authorities(user.roles),
        sessions.start(user._id, ctx),
        attempt.succeeded(),
      ]);
      const userId = user._id.toString();
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

    async signout(refreshTokens) {
      if (refreshTokens.length === 0) throw refreshRequired();
      await Promise.all([...new Set(refreshTokens)].map((token) => sessions.revokeByToken(token)));
    },

    signoutEverywhere(userId) {
      return sessions.revokeAll(userId, 'signout_all');
    },
  };
}
