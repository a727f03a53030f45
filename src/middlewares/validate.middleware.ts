import type { RequestHandler } from 'express';
import type { z } from 'zod';
import { AppError } from '../utils/app-error';

interface FieldError {
  field: string;
  message: string;
}

export function toFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: key, message: 'is not an accepted field' }));
    }
    const field = issue.path.map(String).join('.');
    return [{ field: field === '' ? '(body)' : field, message: issue.message }];
  });
}

export function validationError(error: z.ZodError): AppError {
  const errors = toFieldErrors(error);
  const summary = errors.map((e) => `${e.field} ${e.message}`).join('; ');
  return new AppError(400, 'VALIDATION_FAILED', `Invalid request: ${summary}`, { errors });
}

const hasBody = (headers: Record<string, unknown>): boolean =>
  headers['transfer-encoding'] !== undefined ||
  (headers['content-length'] !== undefined && headers['content-length'] !== '0');

/** Replaces req.body with the parsed value, so handlers only ever see valid, typed input. */
export function validateBody(schema: z.ZodType): RequestHandler {
  return (req, _res, next) => {
    // express.json leaves the body undefined when the content type is not JSON; say so
    // rather than reporting every field as missing.
    if (req.body === undefined && hasBody(req.headers)) {
      throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Request body must be JSON (Content-Type: application/json)');
    }
    const result = schema.safeParse(req.body ?? {});
    if (!result.success) throw validationError(result.error);
    req.body = result.data;
    next();
  };
}
