import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import { createOpenApiDocument } from '../docs/openapi';

/** The OpenAPI document at /api/docs.json and Swagger UI at /api/docs. */
export function docsRoutes(): Router {
  const document = createOpenApiDocument();
  const router = Router();
  router.get('/docs.json', (_req, res) => {
    res.json(document);
  });
  router.use('/docs', swaggerUi.serve, swaggerUi.setup(document, { customSiteTitle: 'auth-api docs' }));
  return router;
}
