import { randomBytes } from 'node:crypto';
import type { ClientSession, Types } from 'mongoose';
import { ActionToken, type ActionPurpose } from '../../models/action-token.model';
import { AppError } from '../../utils/app-error';
import type { Clock } from '../../utils/clock';
import { sha256Hex } from '../../utils/hash';

/** 256 random bits: nothing to guess, so a plain SHA-256 at rest allows an indexed lookup. */
const TOKEN_BYTES = 32;
const hashOf = sha256Hex;

export const invalidToken = () =>
  new AppError(400, 'INVALID_TOKEN', 'The link is invalid, was already used, or has expired; please ask for a new one.');

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

export interface ActionTokenView {
  user: Types.ObjectId;
  /** The normalised address the token was sent to. */
  email: string;
  newEmail: string | undefined;
}

export interface ActionTokens {
  /** A new token; the user's earlier ones of the same purpose stop working. */
  issue(input: { user: Types.ObjectId; purpose: ActionPurpose; email: string; newEmail?: string; ttlSeconds: number }): Promise<IssuedToken>;
  /** The token's facts without using it up; 400 INVALID_TOKEN when unknown, of another purpose or expired. */
  peek(token: string, purpose: ActionPurpose): Promise<ActionTokenView>;
  /** Uses the token up (one atomic find-and-delete: of two concurrent uses, one wins); 400 as peek. */
  consume(token: string, purpose: ActionPurpose, session?: ClientSession): Promise<ActionTokenView>;
}

export function createActionTokens(clock: Clock): ActionTokens {
  const live = (token: string, purpose: ActionPurpose) => ({
    hash: hashOf(token),
    purpose,
    expiresAt: { $gt: new Date(clock()) },
  });
  const view = (doc: { user: Types.ObjectId; email: string; newEmail?: string | null } | null): ActionTokenView => {
    if (!doc) throw invalidToken();
    return { user: doc.user, email: doc.email, newEmail: doc.newEmail ?? undefined };
  };

  return {
    async issue({ user, purpose, email, newEmail, ttlSeconds }) {
      const token = randomBytes(TOKEN_BYTES).toString('base64url');
      const expiresAt = new Date(clock() + ttlSeconds * 1000);
      // Insert first, then void the others: a request racing this one never leaves the user
      // without the newest token.
      const created = await ActionToken.create({ hash: hashOf(token), user, purpose, email, newEmail, expiresAt });
      await ActionToken.deleteMany({ user, purpose, _id: { $ne: created._id } });
      return { token, expiresAt };
    },

    async peek(token, purpose) {
      return view(await ActionToken.findOne(live(token, purpose), { user: 1, email: 1, newEmail: 1 }).lean());
    },

    async consume(token, purpose, session) {
      return view(await ActionToken.findOneAndDelete(live(token, purpose), { session, projection: { user: 1, email: 1, newEmail: 1 } }).lean());
    },
  };
}
