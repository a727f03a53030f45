import type { Types } from 'mongoose';
import { AppError } from '../utils/app-error';
import type { PasswordService } from './password';
import type { SecurityEvents } from './security-events';
import type { ClientContext } from './session.service';
import { isThrottled, type PasswordAttempts } from './throttle';

/** Checks a signed-in user's current password before a change to the account; throws otherwise. */
export type CurrentPasswordCheck = (
  user: { _id: Types.ObjectId; username: string; password: string },
  currentPassword: string,
  ctx: ClientContext,
) => Promise<void>;

/**
 * The current password, asked for by changes to an account (password, email). A stolen
 * access token must not become a way to guess it: the same counters as sign-in, a point
 * taken before the check; 403 INVALID_PASSWORD (not 401: the caller is authenticated, and
 * SPA clients treat a 401 as "refresh the access token and retry").
 */
export function createCurrentPasswordCheck(deps: {
  attempts: PasswordAttempts;
  passwords: PasswordService;
  events: SecurityEvents;
}): CurrentPasswordCheck {
  const { attempts, passwords, events } = deps;
  return async (user, currentPassword, ctx) => {
    const userId = user._id.toString();
    let attempt;
    try {
      attempt = await attempts.begin(user.username, ctx.ip);
    } catch (err) {
      if (isThrottled(err)) events.record('signin_throttled', { userId, username: user.username, ...ctx, detail: { code: err.code } });
      throw err;
    }
    if (!(await passwords.verify(currentPassword, user.password, ctx.ip))) {
      events.record('signin_failed', { userId, username: user.username, ...ctx, detail: { reason: 'wrong_current_password' } });
      throw new AppError(403, 'INVALID_PASSWORD', 'Current password is incorrect.');
    }
    await attempt.succeeded();
  };
}
