import { DEFAULT_ROLE, toAuthority } from '../config/roles';
import { RefreshToken } from '../models/refresh-token.model';
import { Role } from '../models/role.model';
import { User, normalizeKey } from '../models/user.model';
import { AppError, Messages } from '../utils/app-error';
import type { Clock } from '../utils/clock';
import type { SigninInput, SignupInput } from '../validations/auth.validation';
import type { PasswordService } from './password.service';
import type { RoleService } from './role.service';
import type { TokenService } from './token.service';
import type { UserService } from './user.service';

export interface SigninResult {
  id: string;
  username: string;
  email: string;
  roles: string[];
  accessToken: string;
  refreshToken: string;
}

export interface RefreshResult {
  accessToken: string;
  refreshToken: string;
}

export interface AuthService {
  /** `requesterId`: the caller's verified user id, when the request carried a valid token. */
  signup(input: SignupInput, requesterId: string | undefined): Promise<void>;
  signin(input: SigninInput): Promise<SigninResult>;
  refresh(refreshToken: string | undefined): Promise<RefreshResult>;
}

export interface AuthServiceDeps {
  users: UserService;
  roles: RoleService;
  passwords: PasswordService;
  tokens: TokenService;
  refreshTtlSeconds: number;
  clock: Clock;
}

const requireAdmin = () => new AppError(403, 'FORBIDDEN', Messages.requireRole('Admin'));

export function createAuthService(deps: AuthServiceDeps): AuthService {
  const { users, roles, passwords, tokens, refreshTtlSeconds, clock } = deps;

  return {
    async signup(input, requesterId) {
      const requested = [...new Set(input.roles?.length ? input.roles : [DEFAULT_ROLE])];

      const found = await roles.findByNames(requested);
      const missing = requested.find((name) => !found.has(name));
      if (missing !== undefined) {
        throw new AppError(400, 'ROLE_NOT_FOUND', Messages.roleMissing(missing));
      }

      // Anything above a plain user is granted only by an admin, on this same request.
      if (requested.some((name) => name !== DEFAULT_ROLE)) {
        if (requesterId === undefined) throw requireAdmin();
        const requesterRoles = await users.roleNames(requesterId);
        if (!requesterRoles?.includes('admin')) throw requireAdmin();
      }

      await users.create({
        username: input.username,
        email: input.email,
        password: input.password,
        roleIds: requested.map((name) => found.get(name)!),
      });
    },

    async signin({ username, password }) {
      const user = await User.findOne({ usernameKey: normalizeKey(username) }).lean();
      if (!user) throw new AppError(404, 'USER_NOT_FOUND', Messages.userNotFound);

      if (!(await passwords.verify(password, user.password))) {
        throw new AppError(401, 'INVALID_PASSWORD', Messages.invalidPassword, { accessToken: null });
      }

      const userId = user._id.toString();
      const { token, hash } = tokens.newRefreshToken();
      const [roleDocs] = await Promise.all([
        Role.find({ _id: { $in: user.roles } }, { name: 1 }).lean(),
        RefreshToken.create({
          tokenHash: hash,
          user: user._id,
          expiresAt: new Date(clock() + refreshTtlSeconds * 1000),
        }),
      ]);

      return {
        id: userId,
        username: user.username,
        email: user.email,
        roles: roleDocs.map((role) => toAuthority(role.name)),
        accessToken: tokens.signAccessToken(userId),
        refreshToken: token,
      };
    },

    async refresh(refreshToken) {
      if (!refreshToken) throw new AppError(403, 'REFRESH_TOKEN_REQUIRED', Messages.refreshRequired);

      const stored = await RefreshToken.findOne({ tokenHash: tokens.hashRefreshToken(refreshToken) }).lean();
      if (!stored) throw new AppError(403, 'REFRESH_TOKEN_NOT_FOUND', Messages.refreshNotFound);

      // The TTL index purges expired tokens only about once a minute, so expiry is
      // checked here too.
      if (stored.expiresAt.getTime() <= clock()) {
        await RefreshToken.deleteOne({ _id: stored._id });
        throw new AppError(403, 'REFRESH_TOKEN_EXPIRED', Messages.refreshExpired);
      }

      return { accessToken: tokens.signAccessToken(stored.user.toString()), refreshToken };
    },
  };
}
