import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Runs synchronous middlewares one after another as a single Express layer. Every layer the
 * router walks through costs about as much as a short middleware itself (measured with
 * callgrind, see BENCHMARKS.md), and these run on every request. Only for handlers that
 * finish or call `next` before returning: a returned promise is not awaited here.
 */
export function inSequence(...handlers: RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let index = 0;
    const step = (err?: unknown): void => {
      if (err !== undefined) {
        next(err);
        return;
      }
      const handler = handlers[index];
      index += 1;
      if (handler === undefined) next();
      else void handler(req, res, step);
    };
    step();
  };
}
