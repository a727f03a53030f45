import type { Request, Response } from 'express';

const board = (text: string) => (_req: Request, res: Response) => {
  res.status(200).type('text/plain').send(text);
};

export const boardController = {
  all: board('Public Content.'),
  user: board('User Content.'),
  moderator: board('Moderator Content.'),
  admin: board('Admin Content.'),
};
