import bcrypt from 'bcryptjs';

export interface PasswordService {
  hash(plain: string): Promise<string>;
  verify(plain: string, hash: string): Promise<boolean>;
}

/** bcrypt through the async API only: the sync one blocks the event loop for ~80 ms a hash. */
export function createPasswordService(rounds: number): PasswordService {
  return {
    hash: (plain) => bcrypt.hash(plain, rounds),
    verify: (plain, hash) => bcrypt.compare(plain, hash),
  };
}
