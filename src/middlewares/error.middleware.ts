import type { ErrorRequestHandler, RequestHandler } from 'express';
import jwt from 'jsonwebtoken';
import { Error as MongooseError, mongo } from 'mongoose';
import { ZodError } from 'zod';
import type { Logger } from '../config/logger';
import { AppError, Messages } from '../utils/app-error';
import { validationError } from './validate.middleware';
import { isDatabaseUnavailable } from '../db/errors';

/** Errors from body-parser (and other http-errors) carry a `type` and a `status`. */
interface HttpError {
  status: number;
  type?: string;
  expose?: boolean;
}

const isHttpError = (err: unknown): err is HttpError =>
  typeof err === 'object' && err !== null && typeof (err as { status?: unknown }).status === 'number';

/** Maps whatever was thrown to an AppError; undefined means "unexpected" (a 500). */
function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (isDatabaseUnavailable(err)) {
    return new AppError(503, 'UNAVAILABLE', 'The service is temporarily unavailable; please retry.', {}, { 'Retry-After': '1' });
  }
  if (err instanceof ZodError) return validationError(err);
  if (err instanceof jwt.TokenExpiredError) return new AppError(401, 'TOKEN_EXPIRED', Messages.tokenExpired);
  if (err instanceof jwt.JsonWebTokenError) return new AppError(401, 'TOKEN_INVALID', Messages.unauthorized);
  if (err instanceof MongooseError.ValidationError) {
    return new AppError(400, 'VALIDATION_FAILED', 'Invalid request', {
      errors: Object.keys(err.errors).map((field) => ({ field, message: 'is invalid' })),
    });
  }
  if (err instanceof MongooseError.CastError) {
    return new AppError(400, 'INVALID_ID', `Invalid value for ${err.path}`);
  }
  if (err instanceof mongo.MongoServerError && err.code === 11000) {
    return new AppError(409, 'DUPLICATE', 'A record with the same unique value already exists');
  }
  if (isHttpError(err)) {
    switch (err.type) {
      case 'entity.parse.failed':
        return new AppError(400, 'MALFORMED_JSON', 'Malformed JSON in request body');
      case 'entity.too.large':
        return new AppError(413, 'PAYLOAD_TOO_LARGE', 'Request body is too large (limit 100kb)');
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported request body encoding');
      default:
        if (err.status >= 400 && err.status < 500) {
          return new AppError(err.status, 'BAD_REQUEST', 'Bad request');
        }
    }
  }
  return undefined;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const appError = toAppError(err);
    if (appError?.status === 503) logger.warn({ err, reqId: req.id }, 'database unavailable');
    if (appError) {
      res.set(appError.headers);
      res.status(appError.status).json({ ...appError.details, message: appError.message, code: appError.code });
      return;
    }
    // Unexpected: full detail to the log, nothing internal to the client.
    logger.error({ err, reqId: req.id }, 'unhandled error');
    res.status(500).json({ message: 'Internal server error', code: 'INTERNAL' });
  };
}

export const notFound: RequestHandler = (req, res) => {
  res.status(404).json({ message: `Not found: ${req.method} ${req.path}`, code: 'NOT_FOUND' });
};
