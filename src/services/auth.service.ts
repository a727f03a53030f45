import { DEFAULT_ROLE, toAuthority } from '../config/roles';
import { Role } from '../models/role.model';
import { User, normalizeKey } from '../models/user.model';
import { AppError, Messages } from '../utils/app-error';
import type { SigninInput, SignupInput } from '../validations/auth.validation';
import type { PasswordService } from './password.service';
import type { RoleService } from './role.service';
import type { ClientContext, SessionService } from './session.service';
import { failureKey, type FailureThrottle } from './throttle.service';
import type { TokenService } from './token.service';
import type { UserService } from './user.service';
import type { UserStateService } from './user-state.service';

export interface SigninResult {
  id: string;
  username: string;
  email: string;
  roles: string[];
  accessToken: string;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

export interface RefreshResult {
  accessToken: string;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

export interface AuthService {
  /** `requesterId`: the caller's verified user id, when the request carried a valid token. */
  signup(input: SignupInput, requesterId: string | undefined): Promise<void>;
  signin(input: SigninInput, ctx: ClientContext): Promise<SigninResult>;
  refresh(refreshToken: string | undefined, ctx: ClientContext): Promise<RefreshResult>;
  signout(refreshToken: string | undefined): Promise<void>;
  /** Revokes every session of the user; returns how many were active. */
  signoutEverywhere(userId: string): Promise<number>;
}

export interface AuthServiceDeps {
  users: UserService;
  roles: RoleService;
  passwords: PasswordService;
  tokens: TokenService;
  sessions: SessionService;
  userState: UserStateService;
  failures: FailureThrottle;
}

const requireAdmin = () => new AppError(403, 'FORBIDDEN', Messages.requireRole('Admin'));
const refreshRequired = () => new AppError(403, 'REFRESH_TOKEN_REQUIRED', Messages.refreshRequired);

export function createAuthService(deps: AuthServiceDeps): AuthService {
  const { users, roles, passwords, tokens, sessions, userState, failures } = deps;

  return {
    async signup(input, requesterId) {
      const requested = [...new Set(input.roles?.length ? input.roles : [DEFAULT_ROLE])];

      const roleIds = await roles.resolve(requested);

      // Anything above a plain user is granted only by an admin, on this same request.
      if (requested.some((name) => name !== DEFAULT_ROLE)) {
        const requester = requesterId === undefined ? undefined : await userState.get(requesterId);
        if (!requester || requester.disabled || !requester.roles.includes('admin')) throw requireAdmin();
      }

      await users.create({
        username: input.username,
        email: input.email,
        password: input.password,
        roleIds,
      });
    },

    async signin({ username, password }, ctx) {
      const key = failureKey(username, ctx.ip);
      const earlierFailures = await failures.assertAllowed(key);

      const user = await User.findOne({ usernameKey: normalizeKey(username) }).lean();
      if (!user) {
        await failures.recordFailure(key);
        throw new AppError(404, 'USER_NOT_FOUND', Messages.userNotFound);
      }
      if (!(await passwords.verify(password, user.password))) {
        await failures.recordFailure(key);
        throw new AppError(401, 'INVALID_PASSWORD', Messages.invalidPassword, { accessToken: null });
      }
      // Checked after the password, so that the reply tells nothing to someone guessing.
      if (user.disabled) throw new AppError(403, 'ACCOUNT_DISABLED', Messages.accountDisabled);
      if (earlierFailures > 0) await failures.reset(key);

      const [roleDocs, session] = await Promise.all([
        Role.find({ _id: { $in: user.roles } }, { name: 1 }).lean(),
        sessions.start(user._id, ctx),
      ]);
      const userId = user._id.toString();
      return {
        id: userId,
        username: user.username,
        email: user.email,
        roles: roleDocs.map((role) => toAuthority(role.name)),
        accessToken: tokens.signAccessToken(userId, session.sessionId),
        refreshToken: session.refreshToken,
        refreshTokenExpiresAt: session.expiresAt,
      };
    },

    async refresh(refreshToken, ctx) {
      if (!refreshToken) throw refreshRequired();
      const rotated = await sessions.rotate(refreshToken, ctx);
      return {
        accessToken: tokens.signAccessToken(rotated.userId, rotated.sessionId),
        refreshToken: rotated.refreshToken,
        refreshTokenExpiresAt: rotated.expiresAt,
      };
    },

    async signout(refreshToken) {
      if (!refreshToken) throw refreshRequired();
      await sessions.revokeByToken(refreshToken);
    },

    signoutEverywhere(userId) {
      return sessions.revokeAll(userId, 'signout_all');
    },
  };
}
