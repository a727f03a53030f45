import { Types } from 'mongoose';
import { AppError } from './app-error';
import { OBJECT_ID_PATTERN } from './object-id';

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

const invalidCursor = () => new AppError(400, 'INVALID_CURSOR', 'Invalid request: cursor is not one this service returned for this list');

/** 400 INVALID_CURSOR for anything this service did not make. */
export function decodeCursor(text: string): Cursor {
  const match = CURSOR_TEXT.exec(Buffer.from(text, 'base64url').toString('latin1'));
  if (!match) throw invalidCursor();
  return { at: new Date(Number(match[1])), id: new Types.ObjectId(match[2]) };
}

/**
 * A position in a list sorted by a unique key (ascending): the list's name, so that a cursor
 * of one list is refused by another, and the last key of the page.
 */
export const encodeKeyCursor = (list: string, key: string): string => Buffer.from(`${list}:${key}`, 'utf8').toString('base64url');

/** The key after which the page starts; 400 INVALID_CURSOR for another list's cursor or anything else. */
export function decodeKeyCursor(text: string, list: string): string {
  const decoded = Buffer.from(text, 'base64url').toString('utf8');
  if (!decoded.startsWith(`${list}:`) || decoded.length <= list.length + 1) throw invalidCursor();
  return decoded.slice(list.length + 1);
}

/** A key cursor whose key is an ObjectId (a list sorted by _id); 400 INVALID_CURSOR otherwise. */
export function decodeIdCursor(text: string, list: string): Types.ObjectId {
  const key = decodeKeyCursor(text, list);
  if (!OBJECT_ID_PATTERN.test(key)) throw invalidCursor();
  return new Types.ObjectId(key);
}

/** A page from `limit + 1` items read in order: the first `limit`, and a cursor after the last when there were more. */
export function pageOf<T>(found: readonly T[], limit: number, cursorAfter: (last: T) => string): { items: T[]; nextCursor: string | null } {
  const items = found.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: found.length > limit && last !== undefined ? cursorAfter(last) : null };
}

/** The filter for the items after `cursor` in (time desc, _id desc) order. */
export const afterCursor = (field: string, cursor: Cursor) => ({
  $or: [{ [field]: { $lt: cursor.at } }, { [field]: cursor.at, _id: { $lt: cursor.id } }],
});
