import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import { createOpenApiDocument } from '../docs/openapi';

// The document depends only on the code: built once per process, not per app.
let document: ReturnType<typeof createOpenApiDocument> | undefined;

/** The OpenAPI document at /api/docs.json and Swagger UI at /api/docs. */
export function docsRoutes(): Router {
  document ??= createOpenApiDocument();
  const router = Router();
  router.get('/docs.json', (_req, res) => {
    res.json(document);
  });
  router.use('/docs', swaggerUi.serve, swaggerUi.setup(document, { customSiteTitle: 'auth-api docs' }));
  return router;
}
