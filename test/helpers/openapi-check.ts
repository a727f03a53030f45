import { Ajv2020 } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import express, { type Express } from 'express';
import { createOpenApiDocument } from '../../src/docs/openapi';

// Every reply that a test receives from an app built by buildApp() is recorded, and checked
// against the OpenAPI document after each test file (see setup-db.ts): its status must be
// documented for the operation, with the documented content type and body schema.

interface Recorded {
  method: string;
  path: string;
  status: number;
  contentType: string;
  body: string;
}

const recorded: Recorded[] = [];

/** Wraps an app so that its replies are recorded; behaves like the app itself. */
export function recordReplies(app: Express): Express {
  const outer = express();
  outer.disable('x-powered-by');
  outer.use((req, res, next) => {
    let body = '';
    const send = res.send.bind(res);
    res.send = (chunk?: unknown) => {
      if (typeof chunk === 'string') body = chunk;
      else if (Buffer.isBuffer(chunk)) body = chunk.toString('utf8');
      return send(chunk);
    };
    // Replies written directly (the boards, the refresh) skip res.send.
    const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
    res.end = ((...args: unknown[]) => {
      const [chunk] = args;
      if (body === '' && typeof chunk === 'string') body = chunk;
      else if (body === '' && Buffer.isBuffer(chunk)) body = chunk.toString('utf8');
      return end(...args);
    }) as typeof res.end;
    res.on('finish', () => {
      recorded.push({
        method: req.method.toLowerCase(),
        path: req.originalUrl.split('?')[0] ?? '',
        status: res.statusCode,
        contentType: String(res.getHeader('content-type') ?? '').split(';')[0] ?? '',
        body,
      });
    });
    next();
  });
  outer.use(app);
  return outer;
}

type Doc = ReturnType<typeof createOpenApiDocument>;
let cached: { doc: Doc; ajv: Ajv2020; templates: { template: string; regex: RegExp }[] } | undefined;

function load() {
  if (cached) return cached;
  const doc = createOpenApiDocument();
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  // Response schemas refer to '#/components/...'; one root document makes those resolve.
  ajv.addSchema({ $id: 'openapi', components: doc.components }, 'openapi');
  const templates = Object.keys(doc.paths ?? {}).map((template) => ({
    template,
    regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
  }));
  cached = { doc, ajv, templates };
  return cached;
}

const rewriteRefs = (schema: unknown): unknown =>
  JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"openapi#/components/'));

/** Problems found in the replies recorded since the last call; clears the record. */
export function checkRecordedReplies(): string[] {
  const { doc, ajv, templates } = load();
  const problems: string[] = [];
  for (const reply of recorded.splice(0)) {
    const match = templates.find((t) => t.regex.test(reply.path));
    // Undocumented paths: unknown routes (a generic 404) and Swagger UI's static files;
    // CORS preflights are protocol, not operations.
    if (!match || reply.method === 'options') continue;
    const where = `${reply.method.toUpperCase()} ${reply.path} -> ${reply.status}`;
    const operation = (doc.paths?.[match.template] as Record<string, { responses?: Record<string, unknown> }>)[reply.method];
    if (!operation) {
      // An undeclared method must be refused with 405 Method Not Allowed.
      if (reply.status !== 405) problems.push(`${where}: method not in the document, yet not a 405`);
      continue;
    }
    const response = operation.responses?.[String(reply.status)] as
      | { content?: Record<string, { schema?: unknown }> }
      | undefined;
    if (!response) {
      problems.push(`${where}: status not documented`);
      continue;
    }
    const media = response.content?.[reply.contentType];
    if (!media) {
      problems.push(`${where}: content type ${reply.contentType} not documented`);
      continue;
    }
    const body: unknown = reply.contentType === 'application/json' ? JSON.parse(reply.body) : reply.body;
    const validate = ajv.compile(rewriteRefs(media.schema) as object);
    if (!validate(body)) problems.push(`${where}: ${ajv.errorsText(validate.errors)} in ${reply.body.slice(0, 300)}`);
  }
  return problems;
}

/** A validator for a schema of the document (its $refs resolve against the document's components). */
export function validatorFor(schema: unknown): (value: unknown) => string[] {
  const { ajv } = load();
  const validate = ajv.compile(rewriteRefs(schema) as object);
  return (value) => (validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`));
}
