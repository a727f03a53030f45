import { Schema, model, type InferSchemaType } from 'mongoose';

const roleSchema = new Schema(
  {
    name: { type: String, required: true, unique: true },
  },
  { versionKey: false },
);

export type RoleDoc = InferSchemaType<typeof roleSchema>;
export const Role = model('Role', roleSchema);
