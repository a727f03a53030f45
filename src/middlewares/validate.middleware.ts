import express, { type RequestHandler } from 'express';
import type { z } from 'zod';
import { AppError } from '../utils/app-error';

interface FieldError {
  field: string;
  message: string;
}

/**
 * A reply to bad input stays small whatever the input: a 96 kB body of unknown keys or array
 * items would otherwise be answered with one entry each (a megabyte). The first few failing
 * fields tell a client what to fix.
 */
export const MAX_FIELD_ERRORS = 5;
const MAX_FIELD_NAME = 64;

const fieldName = (name: string) => (name.length > MAX_FIELD_NAME ? `${name.slice(0, MAX_FIELD_NAME)}…` : name);

export function toFieldErrors(error: z.ZodError): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys.slice(0, MAX_FIELD_ERRORS)) errors.push({ field: fieldName(key), message: 'is not an accepted field' });
    } else {
      const field = issue.path.slice(0, 8).map(String).join('.');
      errors.push({ field: field === '' ? '(body)' : fieldName(field), message: issue.message.slice(0, 200) });
    }
    if (errors.length >= MAX_FIELD_ERRORS) break;
  }
  return errors.slice(0, MAX_FIELD_ERRORS);
}

export function validationError(error: z.ZodError, errors = toFieldErrors(error)): AppError {
  const summary = errors.map((e) => `${e.field} ${e.message}`).join('; ');
  return new AppError(400, 'VALIDATION_FAILED', `Invalid request: ${summary}`, { errors });
}

const hasBody = (headers: Record<string, unknown>): boolean =>
  headers['transfer-encoding'] !== undefined ||
  (headers['content-length'] !== undefined && headers['content-length'] !== '0');

function parse(schema: z.ZodType, value: unknown, prefix: string): unknown {
  const result = schema.safeParse(value);
  if (!result.success) {
    const error = validationError(result.error);
    if (prefix === '') throw error;
    // Name the part of the request, e.g. `query.limit`, so the field is unambiguous.
    const errors = (error.details.errors as FieldError[]).map((e) => ({ ...e, field: `${prefix}.${e.field}` }));
    throw validationError(result.error, errors);
  }
  return result.data;
}

// JSON is parsed only for operations that take a body: the others ignore whatever is sent
// (found by the property test: a malformed body on DELETE /me/sessions was a 400).
const parseJson = express.json({ limit: '100kb' });

/**
 * Replaces the request's body, params and query with their parsed values, so handlers only
 * ever see valid, typed input.
 */
export function validate(schemas: { body?: z.ZodType; params?: z.ZodType; query?: z.ZodType }): RequestHandler {
  const check = checker(schemas);
  if (!schemas.body) return check;
  return (req, res, next) => {
    parseJson(req, res, (err?: unknown) => {
      if (err) {
        next(err);
        return;
      }
      try {
        check(req, res, next);
      } catch (error) {
        next(error);
      }
    });
  };
}

function checker(schemas: { body?: z.ZodType; params?: z.ZodType; query?: z.ZodType }): RequestHandler {
  return (req, _res, next) => {
    if (schemas.body) {
      // express.json leaves the body undefined when the content type is not JSON; say so
      // rather than reporting every field as missing.
      if (req.body === undefined && hasBody(req.headers)) {
        throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Request body must be JSON (Content-Type: application/json)');
      }
      req.body = parse(schemas.body, req.body ?? {}, '');
    }
    if (schemas.params) req.params = parse(schemas.params, req.params, 'params') as Record<string, string>;
    if (schemas.query) {
      // Express 5 exposes req.query through a getter; an own property replaces it.
      Object.defineProperty(req, 'query', { value: parse(schemas.query, req.query, 'query'), enumerable: true });
    }
    next();
  };
}

export const validateBody = (schema: z.ZodType) => validate({ body: schema });
