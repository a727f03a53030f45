import { createHash } from 'node:crypto';

/**
 * SHA-256 of a secret's text, in hex: how refresh tokens, mailed tokens and recovery codes are
 * kept at rest. A plain hash is enough for values with 80 bits of randomness or more (nothing
 * to brute-force), and a deterministic one allows an indexed lookup.
 */
export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
