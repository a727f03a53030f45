import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

/**
 * A software passkey authenticator for integration tests: what a browser and a platform
 * authenticator return for WebAuthn options, built by hand (ES256 keys from node:crypto,
 * "none" attestation, CBOR through the library's own encoder), so that tests can produce
 * valid, stale, replayed or tampered responses at will. The real browser path is tested in
 * Chromium with its virtual authenticator (test/e2e).
 */

interface Credential {
  id: Buffer;
  privateKey: KeyObject;
  x: Buffer;
  y: Buffer;
  userHandle: string;
  rpId: string;
}

export interface SoftAuthenticatorOptions {
  origin?: string;
  /** Whether the authenticator verifies the user (PIN, biometrics); UV flag. */
  userVerified?: boolean;
}

interface CreationOptions {
  challenge: string;
  rp: { id?: string; name: string };
  user: { id: string; name: string };
}

interface RequestOptions {
  challenge: string;
  rpId?: string;
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();

/** PublicKeyCredential.toJSON() around a ceremony's response. */
const asJSON = <T>(credential: Credential, response: T) => ({
  id: credential.id.toString('base64url'),
  rawId: credential.id.toString('base64url'),
  type: 'public-key' as const,
  response,
  authenticatorAttachment: 'platform' as const,
  clientExtensionResults: {},
});

export class SoftAuthenticator {
  readonly credentials: Credential[] = [];
  /** The signature counter, shared by the credentials as many authenticators do. */
  counter = 0;

  constructor(private readonly defaults: SoftAuthenticatorOptions = {}) {}

  private origin(options: SoftAuthenticatorOptions) {
    return options.origin ?? this.defaults.origin ?? 'http://localhost:8080';
  }

  private flags(options: SoftAuthenticatorOptions, extra = 0) {
    return FLAG_UP | ((options.userVerified ?? this.defaults.userVerified ?? true) ? FLAG_UV : 0) | extra;
  }

  /** navigator.credentials.create() then PublicKeyCredential.toJSON(). */
  create(options: CreationOptions, overrides: SoftAuthenticatorOptions = {}) {
    const rpId = options.rp.id ?? 'localhost';
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const credential: Credential = {
      id: randomBytes(16),
      privateKey,
      x: Buffer.from(jwk.x!, 'base64url'),
      y: Buffer.from(jwk.y!, 'base64url'),
      userHandle: options.user.id,
      rpId,
    };
    const coseKey = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, credential.x],
        [-3, credential.y],
      ]),
    );
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credential.id.length);
    const authData = Buffer.concat([
      sha256(rpId),
      Buffer.from([this.flags(overrides, FLAG_AT)]),
      this.counterBytes(),
      Buffer.alloc(16), // AAGUID: none
      idLength,
      credential.id,
      Buffer.from(coseKey),
    ]);
    const clientDataJSON = Buffer.from(
      JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin: this.origin(overrides), crossOrigin: false }),
    );
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', new Uint8Array(authData)],
      ]) as never,
    );
    this.credentials.push(credential);
    return asJSON(credential, {
      clientDataJSON: clientDataJSON.toString('base64url'),
      attestationObject: Buffer.from(attestationObject).toString('base64url'),
      transports: ['internal'],
    });
  }

  /** navigator.credentials.get() with a discoverable credential, then toJSON(). */
  get(options: RequestOptions, overrides: SoftAuthenticatorOptions & { credential?: number } = {}) {
    const credential = this.credentials[overrides.credential ?? this.credentials.length - 1];
    if (!credential) throw new Error('no credential on this authenticator');
    this.counter += 1;
    const authData = Buffer.concat([sha256(options.rpId ?? credential.rpId), Buffer.from([this.flags(overrides)]), this.counterBytes()]);
    const clientDataJSON = Buffer.from(
      JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin: this.origin(overrides), crossOrigin: false }),
    );
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey);
    return asJSON(credential, {
      clientDataJSON: clientDataJSON.toString('base64url'),
      authenticatorData: authData.toString('base64url'),
      signature: signature.toString('base64url'),
      userHandle: credential.userHandle,
    });
  }

  private counterBytes() {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(this.counter);
    return bytes;
  }
}
