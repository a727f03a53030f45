export const ROLE_NAMES = ['user', 'moderator', 'admin'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

export const DEFAULT_ROLE: RoleName = 'user';

export const isRoleName = (value: string): value is RoleName =>
  (ROLE_NAMES as readonly string[]).includes(value);

/** How replies name a role: `admin` -> `ROLE_ADMIN`. */
export const toAuthority = (name: string): string => `ROLE_${name.toUpperCase()}`;
