import type { IRouter } from 'express';
import { AppError } from '../utils/app-error';

interface LayerLike {
  route?: { path: string; methods: Record<string, boolean> };
}

/**
 * Answers 405 with an Allow header when a path exists but not for the request's method
 * (instead of a 404, which would say there is no such resource). Call it once all routes are
 * registered: the handlers go last, so every registered route is tried first.
 */
export function rejectOtherMethods<T extends IRouter>(router: T): T {
  const methodsByPath = new Map<string, Set<string>>();
  for (const layer of router.stack as LayerLike[]) {
    if (!layer.route) continue;
    const methods = methodsByPath.get(layer.route.path) ?? new Set<string>();
    for (const method of Object.keys(layer.route.methods)) methods.add(method.toUpperCase());
    methodsByPath.set(layer.route.path, methods);
  }
  for (const [path, methods] of methodsByPath) {
    // Express answers HEAD with the GET handler.
    if (methods.has('GET')) methods.add('HEAD');
    const allow = [...methods].join(', ');
    router.all(path, (_req, res) => {
      res.set('Allow', allow);
      throw new AppError(405, 'METHOD_NOT_ALLOWED', `Method not allowed; use ${allow}`);
    });
  }
  return router;
}
