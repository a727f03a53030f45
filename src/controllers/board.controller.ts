import type { Request, Response } from 'express';

/**
 * A board's constant text. Written directly rather than with `res.send`, which on every call
 * works out the same content type (a MIME lookup, then parsing and re-formatting it to add
 * the charset) and the same length for the same string: the boards are the hot path, and
 * this was about a quarter of what the service added to a board request (BENCHMARKS.md). The
 * reply is what `res.send` gives with ETags off: no body for HEAD, and never a 304 (no
 * validator).
 */
const board = (text: string) => {
  const length = String(Buffer.byteLength(text, 'utf8'));
  return (req: Request, res: Response) => {
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('Content-Length', length);
    if (req.method === 'HEAD') res.end();
    else res.end(text, 'utf8');
  };
};

export const boardController = {
  all: board('Public Content.'),
  user: board('User Content.'),
  moderator: board('Moderator Content.'),
  admin: board('Admin Content.'),
};
