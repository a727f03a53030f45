import { Types, type ClientSession, type mongo } from 'mongoose';
import { MAX_ROTATED_TOKENS, RefreshToken, type SigninMethod } from '../models/refresh-token.model';
import { AppError, Messages } from '../utils/app-error';
import type { Clock } from '../utils/clock';
import { afterCursor, decodeCursor, encodeCursor, pageOf } from '../utils/cursor';
import type { SecurityEvents } from './security-events';
import type { TokenService } from './token.service';
import type { UserStateService } from './user-state.service';

/** Where a request came from, for the session list and security logs. */
export interface ClientContext {
  ip?: string | undefined;
  userAgent?: string | undefined;
  /** For the audit trail: the request, and the session of its access token if any. */
  requestId?: string;
  sessionId?: string;
}

export interface SessionView {
  id: string;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  userAgent: string | null;
  ip: string | null;
  /** Null for sessions started before the method was recorded. */
  signInMethod: SigninMethod | null;
  current: boolean;
}

export interface SessionPage {
  sessions: SessionView[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

export interface IssuedRefreshToken {
  sessionId: string;
  refreshToken: string;
  /** The session's fixed expiry, which the token shares. */
  expiresAt: Date;
}

export type RevokeReason =
  | 'signout'
  | 'signout_all'
  | 'reuse'
  | 'revoked_by_user'
  | 'revoked_by_admin'
  | 'password_change'
  | 'password_reset'
  | 'disabled'
  | 'session_limit';

export interface SessionService {
  /**
   * A new session for a sign-in; its refresh token expires after the configured TTL. Beyond
   * the cap of sessions per user, the least recently used ones end.
   */
  start(userId: Types.ObjectId, ctx: ClientContext, options?: { method?: SigninMethod; session?: ClientSession }): Promise<IssuedRefreshToken>;
  /** Exchanges a refresh token for a new one in the same session (403 AppErrors otherwise). */
  rotate(refreshToken: string, ctx: ClientContext): Promise<IssuedRefreshToken & { userId: string; tokenVersion: number }>;
  /** Revokes the session a refresh token belongs to, and says which; unknown or revoked tokens are a no-op. */
  revokeByToken(refreshToken: string): Promise<{ userId: string; sessionId: string } | undefined>;
  /** Active sessions, most recently used first, a page at a time. */
  list(userId: string, currentSessionId: string | undefined, page: { limit: number; cursor?: string | undefined }): Promise<SessionPage>;
  /** 404 unless `sessionId` is one of the user's sessions. */
  revoke(userId: string, sessionId: string): Promise<void>;
  /** Revokes every active session of the user but `exceptSessionId`; returns how many. */
  revokeAll(userId: string, reason: RevokeReason, exceptSessionId?: string, session?: ClientSession): Promise<number>;
  deleteAllOf(userId: string, session?: ClientSession): Promise<void>;
}

export interface SessionServiceDeps {
  tokens: TokenService;
  userState: UserStateService;
  refreshTtlSeconds: number;
  /** Active sessions a user may have; a sign-in beyond it ends the least recently used. */
  maxSessionsPerUser: number;
  clock: Clock;
  events: SecurityEvents;
}

/** Sessions ended per sign-in at most when a user is over the cap (it converges over sign-ins). */
const TRIM_BATCH = 1000;

const MAX_USER_AGENT = 512;

const ctxFields = (ctx: ClientContext) => ({
  ...(ctx.ip ? { ip: ctx.ip } : {}),
  ...(ctx.userAgent ? { userAgent: ctx.userAgent.slice(0, MAX_USER_AGENT) } : {}),
});

const refreshError = (code: string, message: string) => new AppError(403, code, message);

interface FamilyDoc {
  _id: Types.ObjectId;
  user: Types.ObjectId;
  rootHash: string;
  rotated: { hash: string; generation: number; issuedAt: Date }[];
  presentedGeneration: number;
  expiresAt: Date;
  revokedAt: Date | null;
}

/** What the rotation needs to know of a session: the presented token's entry only. */
const familyOutcome = (hash: string) => ({
  user: 1,
  rootHash: 1,
  presentedGeneration: 1,
  expiresAt: 1,
  revokedAt: 1,
  rotated: { $elemMatch: { hash } },
});

/** Values in an update pipeline are expressions: a string starting with $ would be a field path. */
const literal = (value: unknown) => ({ $literal: value });

/** The generation of the token with this hash in a session document, as an expression. */
function generationOf(hash: string) {
  return {
    $cond: [
      { $eq: ['$rootHash', literal(hash)] },
      0,
      {
        $let: {
          vars: { entry: { $arrayElemAt: [{ $filter: { input: '$rotated', cond: { $eq: ['$$this.hash', literal(hash)] } } }, 0] } },
          in: { $ifNull: ['$$entry.generation', -1] },
        },
      },
    ],
  };
}

/**
 * The rotation as an update pipeline, for a session the filter found live with the presented
 * token not superseded: record the token's generation, append the new token's hash (keeping
 * the last MAX_ROTATED_TOKENS) and note the use.
 */
function rotation(hash: string, nextHash: string, now: Date, ctx: ClientContext) {
  const seen = ctxFields(ctx);
  return [
    { $set: { __generation: generationOf(hash) } },
    {
      $set: {
        presentedGeneration: { $max: ['$presentedGeneration', '$__generation'] },
        rotated: {
          $slice: [
            { $concatArrays: ['$rotated', [{ hash: literal(nextHash), generation: { $add: ['$__generation', 1] }, issuedAt: now }]] },
            -MAX_ROTATED_TOKENS,
          ],
        },
        lastUsedAt: now,
        ...(seen.ip === undefined ? {} : { ip: literal(seen.ip) }),
        ...(seen.userAgent === undefined ? {} : { userAgent: literal(seen.userAgent) }),
      },
    },
    { $unset: '__generation' },
  ];
}

export function createSessionService(deps: SessionServiceDeps): SessionService {
  const { tokens, userState, refreshTtlSeconds, maxSessionsPerUser, clock, events } = deps;
  const byHash = (hash: string) => ({ $or: [{ rootHash: hash }, { 'rotated.hash': hash }] });
  let collection: mongo.Collection<FamilyDoc> | undefined;
  const families = () => (collection ??= RefreshToken.db.db!.collection<FamilyDoc>(RefreshToken.collection.collectionName));

  async function revokeForReuse(family: { _id: Types.ObjectId; user: Types.ObjectId }, ctx: ClientContext) {
    await RefreshToken.updateOne(
      { _id: family._id, revokedAt: null },
      { $set: { revokedAt: new Date(clock()), revokedReason: 'reuse' } },
    );
    events.record('refresh_token_reuse', { userId: family.user.toString(), sessionId: family._id.toString(), ...ctx });
  }

  /** Why a refresh was refused: always throws the matching 403 (409 after a lost race). */
  async function refusal(hash: string, now: Date, ctx: ClientContext): Promise<never> {
    const family = await families().findOne(byHash(hash), { projection: familyOutcome(hash) });
    if (!family) throw refreshError('REFRESH_TOKEN_NOT_FOUND', Messages.refreshNotFound);
    const generation = family.rootHash === hash ? 0 : (family.rotated[0]?.generation ?? 0);
    if (family.revokedAt) throw refreshError('REFRESH_TOKEN_REVOKED', Messages.refreshRevoked);
    // The TTL index purges expired sessions only about once a minute.
    if (family.expiresAt.getTime() <= now.getTime()) {
      await RefreshToken.deleteOne({ _id: family._id });
      throw refreshError('REFRESH_TOKEN_EXPIRED', Messages.refreshExpired);
    }
    if (generation < family.presentedGeneration) {
      await revokeForReuse(family, ctx);
      throw refreshError('REFRESH_TOKEN_REUSED', Messages.refreshReused);
    }
    // Live and not superseded now: the session changed between the write and this read.
    throw new AppError(409, 'REFRESH_CONFLICT', 'The session changed during the refresh; please retry');
  }

  /**
   * Ends the user's active sessions, other than `spare`, beyond the `keep` most recently used.
   * Idempotent, so concurrent sign-ins may all run it. It reads only index keys: at most
   * `keep` skipped and a batch returned.
   */
  async function trim(userId: Types.ObjectId, keep: number, spare: Types.ObjectId): Promise<void> {
    const beyond = await RefreshToken.find({ user: userId, revokedAt: null, _id: { $ne: spare } }, { _id: 1 })
      .sort({ lastUsedAt: -1, _id: -1 })
      .skip(keep)
      .limit(TRIM_BATCH)
      .lean();
    if (beyond.length === 0) return;
    await RefreshToken.updateMany(
      { _id: { $in: beyond.map((f) => f._id) }, revokedAt: null },
      { $set: { revokedAt: new Date(clock()), revokedReason: 'session_limit' } },
    );
  }

  return {
    async start(userId, ctx, { method = 'password', session } = {}) {
      const { token, hash } = tokens.newRefreshToken();
      const now = clock();
      const expiresAt = new Date(now + refreshTtlSeconds * 1000);
      const doc = {
        _id: new Types.ObjectId(),
        user: userId,
        rootHash: hash,
        expiresAt,
        lastUsedAt: new Date(now),
        method,
        ...ctxFields(ctx),
      };
      // The trim keeps the cap less one of the other sessions and runs beside the insert
      // rather than after it: it leaves the new session out by id, so whether it sees the new
      // one or not, exactly the cap remain. Inside a transaction (a password change, which
      // has just ended every session) there is nothing to trim.
      const [[family]] = await Promise.all([
        RefreshToken.create([doc], { session }),
        session ? undefined : trim(userId, maxSessionsPerUser - 1, doc._id),
      ]);
      return { sessionId: family!._id.toString(), refreshToken: token, expiresAt };
    },

    async rotate(refreshToken, ctx) {
      const hash = tokens.hashRefreshToken(refreshToken);
      const next = tokens.newRefreshToken();
      const now = new Date(clock());
      // One conditional write: it matches only a live session in which the presented token is
      // not superseded, and rotates it; through the driver's own collection, since Mongoose's
      // casting and hydration were a quarter of this request's CPU (BENCHMARKS.md).
      const rotated = await families().findOneAndUpdate(
        { ...byHash(hash), revokedAt: null, expiresAt: { $gt: now }, $expr: { $gte: [generationOf(hash), '$presentedGeneration'] } },
        rotation(hash, next.hash, now, ctx),
        { returnDocument: 'before', projection: { user: 1, expiresAt: 1 } },
      );
      // Refused, or the token is unknown: one more read says which (this path only).
      if (!rotated) await refusal(hash, now, ctx);

      // A disabled user's sessions were revoked when it was disabled (refused above); this
      // covers a deletion or a disable that raced the write.
      const family = rotated!;
      const userId = family.user.toString();
      const state = userState.peek(userId)?.state ?? (await userState.get(userId));
      if (!state) throw refreshError('REFRESH_TOKEN_NOT_FOUND', Messages.refreshNotFound);
      if (state.disabled) throw refreshError('ACCOUNT_DISABLED', Messages.accountDisabled);
      return {
        userId,
        tokenVersion: state.tokenVersion,
        sessionId: family._id.toString(),
        refreshToken: next.token,
        expiresAt: family.expiresAt,
      };
    },

    async revokeByToken(refreshToken) {
      const revoked = await RefreshToken.findOneAndUpdate(
        { ...byHash(tokens.hashRefreshToken(refreshToken)), revokedAt: null },
        { $set: { revokedAt: new Date(clock()), revokedReason: 'signout' } },
        { projection: { user: 1 } },
      ).lean();
      return revoked ? { userId: revoked.user.toString(), sessionId: revoked._id.toString() } : undefined;
    },

    async list(userId, currentSessionId, { limit, cursor }) {
      const families = await RefreshToken.find(
        {
          user: userId,
          revokedAt: null,
          expiresAt: { $gt: new Date(clock()) },
          ...(cursor === undefined ? {} : afterCursor('lastUsedAt', decodeCursor(cursor))),
        },
        { createdAt: 1, lastUsedAt: 1, expiresAt: 1, userAgent: 1, ip: 1, method: 1 },
      )
        .sort({ lastUsedAt: -1, _id: -1 })
        .limit(limit + 1)
        .lean();
      const page = pageOf(families, limit, (last) => encodeCursor({ at: last.lastUsedAt, id: last._id }));
      return {
        sessions: page.items.map((f) => ({
          id: f._id.toString(),
          createdAt: f.createdAt,
          lastUsedAt: f.lastUsedAt,
          expiresAt: f.expiresAt,
          userAgent: f.userAgent ?? null,
          ip: f.ip ?? null,
          signInMethod: f.method ?? null,
          current: f._id.toString() === currentSessionId,
        })),
        nextCursor: page.nextCursor,
      };
    },

    async revoke(userId, sessionId) {
      const filter = { _id: sessionId, user: userId };
      const result = await RefreshToken.updateOne(
        { ...filter, revokedAt: null },
        { $set: { revokedAt: new Date(clock()), revokedReason: 'revoked_by_user' } },
      );
      // Revoking twice is fine; a session of someone else is indistinguishable from none.
      if (result.matchedCount === 0 && !(await RefreshToken.exists(filter))) {
        throw new AppError(404, 'SESSION_NOT_FOUND', 'Session not found.');
      }
    },

    async revokeAll(userId, reason, exceptSessionId, session) {
      const result = await RefreshToken.updateMany(
        {
          user: userId,
          revokedAt: null,
          ...(exceptSessionId ? { _id: { $ne: new Types.ObjectId(exceptSessionId) } } : {}),
        },
        { $set: { revokedAt: new Date(clock()), revokedReason: reason } },
        { session },
      );
      return result.modifiedCount;
    },

    async deleteAllOf(userId, session) {
      await RefreshToken.deleteMany({ user: userId }, { session });
    },
  };
}
