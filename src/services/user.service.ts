import type { ClientSession, Types } from 'mongoose';
import { mongo } from 'mongoose';
import { toAuthority } from '../config/roles';
import { Role } from '../models/role.model';
import { User, normalizeKey } from '../models/user.model';
import { AppError, Messages } from '../utils/app-error';
import type { PasswordService } from './password';

export interface NewUser {
  username: string;
  email: string;
  password: string;
  roleIds: readonly Types.ObjectId[];
  /** Who asked (client address key), for the hashing queue's turns. */
  client?: string;
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
  createdAt: Date;
  updatedAt: Date;
}

export interface UserPage {
  users: UserView[];
  page: number;
  limit: number;
  total: number;
}

export interface UserService {
  /** Throws AppError 400 with the contract's message when the username or email is taken. */
  create(input: NewUser): Promise<{ id: string }>;
  /** 404 when there is no such user. */
  get(userId: string): Promise<UserView>;
  list(query: { page: number; limit: number; q?: string | undefined }): Promise<UserPage>;
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
};

const VIEW_FIELDS = { username: 1, email: 1, roles: 1, disabled: 1, emailVerified: 1, createdAt: 1, updatedAt: 1 } as const;

const isDuplicateKeyError = (err: unknown): err is mongo.MongoServerError =>
  err instanceof mongo.MongoServerError && err.code === 11000;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export const userNotFound = () => new AppError(404, 'USER_NOT_FOUND', Messages.userNotFound);

async function toViews(users: LeanUser[]): Promise<UserView[]> {
  const roleIds = [...new Set(users.flatMap((u) => u.roles.map(String)))];
  const roles = await Role.find({ _id: { $in: roleIds } }, { name: 1 }).lean();
  const names = new Map(roles.map((r) => [r._id.toString(), r.name]));
  return users.map((u) => ({
    id: u._id.toString(),
    username: u.username,
    email: u.email,
    roles: u.roles.flatMap((id) => {
      const name = names.get(id.toString());
      return name ? [toAuthority(name)] : [];
    }),
    disabled: u.disabled === true,
    emailVerified: u.emailVerified === true,
    createdAt: u.createdAt,
    updatedAt: u.updatedAt,
  }));
}

export function createUserService(passwords: PasswordService): UserService {
  return {
    async create({ username, email, password, roleIds, client, emailVerified = false }) {
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

      const hash = await passwords.hash(password, client);
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
      const [view] = await toViews([user]);
      return view!;
    },

    async list({ page, limit, q }) {
      // Matches the lower-cased keys, so the filter is case-insensitive like the uniqueness.
      const filter = q
        ? {
            $or: [
              { usernameKey: { $regex: escapeRegExp(normalizeKey(q)) } },
              { emailKey: { $regex: escapeRegExp(normalizeKey(q)) } },
            ],
          }
        : {};
      const [users, total] = await Promise.all([
        User.find(filter, VIEW_FIELDS)
          .sort({ usernameKey: 1 })
          .skip((page - 1) * limit)
          .limit(limit)
          .lean<LeanUser[]>(),
        User.countDocuments(filter),
      ]);
      return { users: await toViews(users), page, limit, total };
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
