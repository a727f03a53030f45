import type { Types } from 'mongoose';
import { ROLE_NAMES } from '../config/roles';
import { Role } from '../models/role.model';
import { AppError, Messages } from '../utils/app-error';

export interface RoleService {
  /** Creates the roles that are missing; safe to run from several instances at once. */
  seed(): Promise<void>;
  /** The stored roles among `names`, by name. */
  findByNames(names: readonly string[]): Promise<Map<string, Types.ObjectId>>;
  /** The ids of `names`, in order; 400 "Failed! Role <name> does not exist!" for the first unknown one. */
  resolve(names: readonly string[]): Promise<Types.ObjectId[]>;
}

async function findByNames(names: readonly string[]): Promise<Map<string, Types.ObjectId>> {
  const roles = await Role.find({ name: { $in: [...names] } }, { name: 1 }).lean();
  return new Map(roles.map((role) => [role.name, role._id]));
}

export function createRoleService(): RoleService {
  return {
    async seed() {
      await Role.bulkWrite(
        ROLE_NAMES.map((name) => ({
          updateOne: { filter: { name }, update: { $setOnInsert: { name } }, upsert: true },
        })),
        { ordered: false },
      );
    },

    findByNames,

    async resolve(names) {
      const found = await findByNames(names);
      return names.map((name) => {
        const id = found.get(name);
        if (id === undefined) throw new AppError(400, 'ROLE_NOT_FOUND', Messages.roleMissing(name));
        return id;
      });
    },
  };
}
