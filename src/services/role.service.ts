import type { Types } from 'mongoose';
import { ROLE_NAMES, toAuthority } from '../config/roles';
import { Role } from '../models/role.model';
import { AppError, Messages } from '../utils/app-error';

export interface RoleService {
  /** Creates the roles that are missing; safe to run from several instances at once. */
  seed(): Promise<void>;
  /** The stored roles among `names`, by name. */
  findByNames(names: readonly string[]): Promise<Map<string, Types.ObjectId>>;
  /** The ids of `names`, in order; 400 "Failed! Role <name> does not exist!" for the first unknown one. */
  resolve(names: readonly string[]): Promise<Types.ObjectId[]>;
  /** `ROLE_*` names of role ids, from memory: roles are seeded once and never change. */
  authorities(ids: readonly Types.ObjectId[]): Promise<string[]>;
}

async function findByNames(names: readonly string[]): Promise<Map<string, Types.ObjectId>> {
  const roles = await Role.find({ name: { $in: [...names] } }, { name: 1 }).lean();
  return new Map(roles.map((role) => [role.name, role._id]));
}

export function createRoleService(): RoleService {
  let namesById: Promise<Map<string, string>> | undefined;
  const loadNames = async () => {
    const roles = await Role.find({}, { name: 1 }).lean();
    return new Map(roles.map((role) => [role._id.toHexString(), role.name]));
  };

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

    async authorities(ids) {
      namesById ??= loadNames();
      let names = await namesById.catch(() => undefined);
      // An id not seen yet means the roles were (re)seeded since: read them again once.
      if (!names || ids.some((id) => !names!.has(id.toHexString()))) {
        namesById = loadNames();
        names = await namesById;
      }
      return ids.flatMap((id) => {
        const name = names.get(id.toHexString());
        return name === undefined ? [] : [toAuthority(name)];
      });
    },
  };
}
