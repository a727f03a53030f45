import { mongo, Types } from 'mongoose';
import { Role } from '../models/role.model';
import { User, normalizeKey } from '../models/user.model';
import { AppError, Messages } from '../utils/app-error';
import type { PasswordService } from './password.service';

export interface NewUser {
  username: string;
  email: string;
  password: string;
  roleIds: readonly Types.ObjectId[];
}

export interface UserIdentity {
  id: string;
  username: string;
  email: string;
  roles: string[];
}

export interface UserService {
  /** Throws AppError 400 with the contract's message when the username or email is taken. */
  create(input: NewUser): Promise<{ id: string }>;
  /** Role names of a user, or undefined when the user does not exist. */
  roleNames(userId: string): Promise<string[] | undefined>;
  existsByUsername(username: string): Promise<boolean>;
}

const isDuplicateKeyError = (err: unknown): err is mongo.MongoServerError =>
  err instanceof mongo.MongoServerError && err.code === 11000;

export function createUserService(passwords: PasswordService): UserService {
  return {
    async create({ username, email, password, roleIds }) {
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

      const hash = await passwords.hash(password);
      try {
        const user = await User.create({ username, email, password: hash, roles: [...roleIds] });
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

    async roleNames(userId) {
      if (!Types.ObjectId.isValid(userId)) return undefined;
      const user = await User.findById(userId, { roles: 1 }).lean();
      if (!user) return undefined;
      const roles = await Role.find({ _id: { $in: user.roles } }, { name: 1 }).lean();
      return roles.map((role) => role.name);
    },

    async existsByUsername(username) {
      return (await User.exists({ usernameKey: normalizeKey(username) })) !== null;
    },
  };
}
