import type { Types } from 'mongoose';
import { ROLE_NAMES } from '../config/roles';
import { Role } from '../models/role.model';

export interface RoleService {
  /** Creates the roles that are missing; safe to run from several instances at once. */
  seed(): Promise<void>;
  /** The stored roles among `names`, by name. */
  findByNames(names: readonly string[]): Promise<Map<string, Types.ObjectId>>;
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

    async findByNames(names) {
      const roles = await Role.find({ name: { $in: [...names] } }, { name: 1 }).lean();
      return new Map(roles.map((role) => [role.name, role._id]));
    },
  };
}
