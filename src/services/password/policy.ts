import { dictionary } from '@zxcvbn-ts/language-common';
import { AppError } from '../../utils/app-error';

export type PasswordRule = 'min_length' | 'common' | 'contains_username' | 'contains_email';

export interface PasswordPolicy {
  /** Throws a 400 WEAK_PASSWORD naming the rule the password breaks. */
  check(password: string, account: { username: string; email: string }, field?: string): void;
}

/** Name parts shorter than this are too likely to occur by chance to refuse a password for. */
const MIN_NAME_PART = 3;

let common: Set<string> | undefined;

/**
 * The ~50,000 most common passwords of the zxcvbn-ts project's list, drawn from public
 * breach corpora and maintained with the library; loaded once per process (about 0.1 s,
 * 18,000 of them are 8 characters or longer and can reach this check at all).
 */
function commonPasswords(): Set<string> {
  common ??= new Set(dictionary['passwords-common'].filter((p) => p.length >= 8).map((p) => p.toLowerCase()));
  return common;
}

const weak = (rule: PasswordRule, field: string, message: string) =>
  new AppError(400, 'WEAK_PASSWORD', `Invalid request: ${field} ${message}`, {
    rule,
    errors: [{ field, message }],
  });

/**
 * What a new password must be beyond its length in bytes (the request schema's part): at
 * least `minLength` characters, not one of the commonly used passwords (in any letter case),
 * and not the username or the email's local part, nor containing them. NIST SP 800-63B's
 * advice: a blocklist and context words, no composition rules.
 */
export function createPasswordPolicy(minLength: number): PasswordPolicy {
  // Built at start-up rather than on the first sign-up, which would wait for it.
  commonPasswords();
  return {
    check(password, { username, email }, field = 'password') {
      if ([...password].length < minLength) throw weak('min_length', field, `must be at least ${minLength} characters`);
      const lower = password.toLowerCase();
      if (commonPasswords().has(lower)) {
        throw weak('common', field, 'is too common: it is on a list of passwords leaked in breaches; choose another');
      }
      const name = username.trim().toLowerCase();
      if (lower === name || (name.length >= MIN_NAME_PART && lower.includes(name))) {
        throw weak('contains_username', field, 'must not contain the username');
      }
      const address = email.trim().toLowerCase();
      const local = address.split('@')[0] ?? '';
      if (lower === address || lower === local || (local.length >= MIN_NAME_PART && lower.includes(local))) {
        throw weak('contains_email', field, 'must not contain the email address');
      }
    },
  };
}
