import type { ClientSession, Types } from 'mongoose';
import { isDuplicateKeyError } from '../db/errors';
import { User, normalizeKey } from '../models/user.model';
import { AppError, Messages } from '../utils/app-error';
import { decodeKeyCursor, encodeKeyCursor, pageOf } from '../utils/cursor';
import type { PasswordService } from './password';
import type { RoleService } from './role.service';

export interface NewUser {
  username: string;
  email: string;
  password: string;
  roleIds: readonly Types.ObjectId[];
  /** Who asked (the client's address), for the hashing queue's turns. */
  ip?: string | undefined;
  /** The initial admin's address is the operator's word. */
  emailVerified?: boolean;
}

/** What the API shows of a user: never the password hash. */
export interface UserView {
  id: string;
  username: string;
  email: string;
  roles: string[];
  disabled: boolean;
  emailVerified: boolean;
  /** Second factors and passkeys: whether they exist, never what they are. */
  mfa: { totp: boolean; recoveryCodesLeft: number; passkeys: number };
  lastSigninAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface UserPage {
  users: UserView[];
  limit: number;
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
  /** Without `q`: the collection's document count from its metadata (no scan), which may lag a little. */
  estimatedTotal?: number;
}

export interface UserService {
  /** Throws AppError 400 with the contract's message when the username or email is taken. */
  create(input: NewUser): Promise<{ id: string }>;
  /** 404 when there is no such user. */
  get(userId: string): Promise<UserView>;
  /**
   * Users in the order of one index, a page at a time, at a cost independent of how many
   * there are: by username, or, with `q`, those whose username starts with `q` (or whose
   * email does, when `q` holds an @), in any letter case.
   */
  list(query: { limit: number; cursor?: string | undefined; q?: string | undefined }): Promise<UserPage>;
  /** Each returns false when there is no such user. */
  setRoles(userId: string, roleIds: readonly Types.ObjectId[], session?: ClientSession): Promise<boolean>;
  setDisabled(userId: string, disabled: boolean, session?: ClientSession): Promise<boolean>;
  remove(userId: string, session?: ClientSession): Promise<boolean>;
}

type LeanUser = {
  _id: Types.ObjectId;
  username: string;
  email: string;
  roles: Types.ObjectId[];
  disabled?: boolean | null;
  emailVerified?: boolean | null;
  createdAt: Date;
  updatedAt: Date;
  totp?: { enabledAt?: Date | null } | null;
  recoveryCodes?: string[] | null;
  passkeyCount?: number | null;
  lastSigninAt?: Date | null;
};

const VIEW_FIELDS = {
  username: 1,
  email: 1,
  roles: 1,
  disabled: 1,
  emailVerified: 1,
  createdAt: 1,
  updatedAt: 1,
  'totp.enabledAt': 1,
  recoveryCodes: 1,
  passkeyCount: 1,
  lastSigninAt: 1,
} as const;

/** The first string after every string that starts with `prefix`. */
const afterPrefix = (prefix: string) => prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);

export const userNotFound = () => new AppError(404, 'USER_NOT_FOUND', Messages.userNotFound);

async function toViews(users: LeanUser[], roles: RoleService): Promise<UserView[]> {
  const authorities = await Promise.all(users.map((u) => roles.authorities(u.roles)));
  return users.map((u, i) => ({
    id: u._id.toString(),
    username: u.username,
    email: u.email,
    roles: authorities[i]!,
    disabled: u.disabled === true,
    emailVerified: u.emailVerified === true,
    mfa: {
      totp: Boolean(u.totp?.enabledAt),
      recoveryCodesLeft: u.recoveryCodes?.length ?? 0,
      passkeys: u.passkeyCount ?? 0,
    },
    lastSigninAt: u.lastSigninAt ?? null,
    createdAt: u.createdAt,
    updatedAt: u.updatedAt,
  }));
}

export function createUserService(passwords: PasswordService, roles: RoleService): UserService {
  return {
    async create({ username, email, password, roleIds, ip, emailVerified = false }) {
      const usernameKey = normalizeKey(username);
      const emailKey = normalizeKey(email);
      // Checked before hashing so that a taken name costs no bcrypt work. This is only a
      // fast path: the unique indexes are what guarantee one account under a race.
      const [nameTaken, emailTaken] = await Promise.all([
        User.exists({ usernameKey }),
        User.exists({ emailKey }),
      ]);
      if (nameTaken) throw new AppError(400, 'USERNAME_TAKEN', Messages.usernameTaken);
      if (emailTaken) throw new AppError(400, 'EMAIL_TAKEN', Messages.emailTaken);

      const hash = await passwords.hash(password, ip);
      try {
        const user = await User.create({ username, email, password: hash, roles: [...roleIds], emailVerified });
        return { id: user.id };
      } catch (err) {
        if (isDuplicateKeyError(err)) {
          const keys = Object.keys((err.keyPattern ?? {}) as Record<string, unknown>);
          if (keys.includes('emailKey')) throw new AppError(400, 'EMAIL_TAKEN', Messages.emailTaken);
          throw new AppError(400, 'USERNAME_TAKEN', Messages.usernameTaken);
        }
        throw err;
      }
    },

    async get(userId) {
      const user = await User.findById(userId, VIEW_FIELDS).lean<LeanUser>();
      if (!user) throw userNotFound();
      const [view] = await toViews([user], roles);
      return view!;
    },

    async list({ limit, cursor, q }) {
      // One index range, read in order and cut at the page: the keys examined are the page
      // plus one, at any collection size (test/integration/user-list.test.ts checks the plan).
      const field = q !== undefined && q.includes('@') ? 'e' : 'u';
      const key = field === 'e' ? 'emailKey' : 'usernameKey';
      const range: { $gte?: string; $gt?: string; $lt?: string } = {};
      if (q !== undefined) {
        const prefix = normalizeKey(q);
        range.$gte = prefix;
        range.$lt = afterPrefix(prefix);
      }
      if (cursor !== undefined) range.$gt = decodeKeyCursor(cursor, field);
      const filter = Object.keys(range).length > 0 ? { [key]: range } : {};
      const [found, estimatedTotal] = await Promise.all([
        User.find(filter, { ...VIEW_FIELDS, [key]: 1 })
          .sort({ [key]: 1 })
          .limit(limit + 1)
          .lean<(LeanUser & { usernameKey?: string; emailKey?: string })[]>(),
        q === undefined ? User.estimatedDocumentCount() : undefined,
      ]);
      const page = pageOf(found, limit, (last) => encodeKeyCursor(field, last[key] ?? ''));
      return {
        users: await toViews(page.items, roles),
        limit,
        nextCursor: page.nextCursor,
        ...(estimatedTotal === undefined ? {} : { estimatedTotal }),
      };
    },

    async setRoles(userId, roleIds, session) {
      const result = await User.updateOne({ _id: userId }, { $set: { roles: [...roleIds] } }, { session });
      return result.matchedCount === 1;
    },

    async setDisabled(userId, disabled, session) {
      const result = await User.updateOne({ _id: userId }, { $set: { disabled } }, { session });
      return result.matchedCount === 1;
    },

    async remove(userId, session) {
      const result = await User.deleteOne({ _id: userId }, { session });
      return result.deletedCount === 1;
    },
  };
}
