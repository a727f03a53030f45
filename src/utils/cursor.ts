import { Types } from 'mongoose';
import { AppError } from './app-error';

/**
 * A position in a list sorted by a time, then by id, both descending: the last item of a
 * page. Opaque to clients (base64url), so its form can change without breaking them.
 */
export interface Cursor {
  at: Date;
  id: Types.ObjectId;
}

export const encodeCursor = ({ at, id }: Cursor): string => Buffer.from(`${at.getTime()}.${id.toHexString()}`).toString('base64url');

const CURSOR_TEXT = /^(\d{1,15})\.([0-9a-f]{24})$/;

/** 400 INVALID_CURSOR for anything this service did not make. */
export function decodeCursor(text: string): Cursor {
  const match = CURSOR_TEXT.exec(Buffer.from(text, 'base64url').toString('latin1'));
  if (!match) throw new AppError(400, 'INVALID_CURSOR', 'Invalid request: cursor is not one this service returned');
  return { at: new Date(Number(match[1])), id: new Types.ObjectId(match[2]) };
}

/** The filter for the items after `cursor` in (time desc, _id desc) order. */
export const afterCursor = (field: string, cursor: Cursor) => ({
  $or: [{ [field]: { $lt: cursor.at } }, { [field]: cursor.at, _id: { $lt: cursor.id } }],
});
