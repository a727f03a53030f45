import { mongo } from 'mongoose';

// Server errors that mean "this node cannot serve now" (no primary, stepping down, shutting
// down): an election or a restart, over in seconds.
const UNAVAILABLE_CODES = new Set([91, 189, 10107, 11600, 11602, 13435, 13436]);

/** MongoDB unreachable, electing a primary, or shutting down: retryable, so a 503. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (
    err instanceof mongo.MongoServerSelectionError ||
    err instanceof mongo.MongoNetworkError || // includes timeouts and cleared pools
    err instanceof mongo.MongoNotConnectedError ||
    err instanceof mongo.MongoTopologyClosedError
  ) {
    return true;
  }
  if (err instanceof mongo.MongoError) {
    if (err.hasErrorLabel('RetryableWriteError') || err.hasErrorLabel('TransientTransactionError')) return true;
    if (typeof err.code === 'number' && UNAVAILABLE_CODES.has(err.code)) return true;
  }
  // Mongoose's own wrapper for a failed server selection.
  return err instanceof Error && err.name === 'MongooseServerSelectionError';
}

/** A write refused by a unique index. */
export const isDuplicateKeyError = (err: unknown): err is mongo.MongoServerError =>
  err instanceof mongo.MongoServerError && err.code === 11000;

/**
 * The indexes of the writes of an unordered bulk write (bulkWrite, insertMany) that failed,
 * when every failure was a unique index's refusal; undefined for any other error. Its write
 * errors are WriteErrors, not MongoServerErrors, so isDuplicateKeyError cannot tell.
 */
export function duplicateKeyWrites(err: unknown): number[] | undefined {
  if (!(err instanceof mongo.MongoBulkWriteError)) return undefined;
  const writeErrors = ([] as mongo.WriteError[]).concat(err.writeErrors);
  if (writeErrors.length === 0 || !writeErrors.every((e) => e.code === 11000)) return undefined;
  return writeErrors.map((e) => e.index);
}
