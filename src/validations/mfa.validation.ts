import { z } from 'zod';
import { OBJECT_ID_PATTERN } from '../utils/object-id';
import { currentPasswordSchema, pageParams } from './user.validation';

// Second factors and passkeys. Strict objects as everywhere, except inside the WebAuthn
// responses, whose browsers add fields of their own (unknown keys there are dropped, so none
// reaches the verification or a query).

const base64url = (max: number) => z.string().min(1).max(max).regex(/^[A-Za-z0-9_-]+$/, 'must be base64url');

const totpCode = z
  .string()
  .regex(/^\d{6}$/, 'must be the 6 digits the authenticator app shows')
  .meta({ example: '123456' });

const recoveryCode = z
  .string()
  .max(40)
  .regex(/^[A-Za-z0-9 -]+$/, 'must be one of the recovery codes, e.g. ABCD-EFGH-JKLM-NPQR')
  .meta({ example: 'ABCD-EFGH-JKLM-NPQR' });

const transport = z.enum(['body', 'cookie']).optional();

/** Exactly one of `code` and `recoveryCode`. */
function oneFactor<T extends { code?: string | undefined; recoveryCode?: string | undefined }>(value: T, ctx: z.RefinementCtx) {
  if ((value.code === undefined) === (value.recoveryCode === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['code'], message: 'give either code or recoveryCode (one of them)' });
  }
}

/**
 * The same rule for OpenAPI readers (and the fuzzer): the object rendered as a oneOf of two
 * closed objects, one with `code` and one with `recoveryCode`, so a body with both (or none)
 * matches neither.
 */
const oneFactorOpenApi = (example: Record<string, string>) => ({
  example,
  override: ({ jsonSchema }: { jsonSchema: Record<string, unknown> }) => {
    const { properties, required, example: shown, ...rest } = jsonSchema as {
      properties: Record<string, unknown>;
      required?: string[];
      example?: unknown;
    };
    const { code, recoveryCode, ...common } = properties;
    const branch = (name: string, schema: unknown) => ({
      ...rest,
      properties: { ...common, [name]: schema },
      required: [...(required ?? []), name],
    });
    for (const key of Object.keys(jsonSchema)) delete jsonSchema[key];
    jsonSchema.oneOf = [branch('code', code), branch('recoveryCode', recoveryCode)];
    jsonSchema.example = shown;
  },
});

const MFA_TOKEN_EXAMPLE = 'AWWFx3AAAAAAa_Dxc0ZHRwRM8pQ1Zt5dZ2QmH9b1a0R6cFhYzWm3pK8sL2vN0qT4eU7iO1wR5yB8cD';

const mfaToken = base64url(200).meta({ description: 'From the sign-in reply whose mfaRequired is true' });

export const signinMfaSchema = z
  .strictObject({ mfaToken, code: totpCode.optional(), recoveryCode: recoveryCode.optional(), refreshTokenTransport: transport })
  .superRefine(oneFactor)
  .meta(oneFactorOpenApi({ mfaToken: MFA_TOKEN_EXAMPLE, code: '123456' }));

export const totpEnrolSchema = z.strictObject({ currentPassword: currentPasswordSchema }).meta({ example: { currentPassword: 'correct horse battery' } });
export const totpActivateSchema = z.strictObject({ code: totpCode }).meta({ example: { code: '123456' } });
export const totpStepUpSchema = z
  .strictObject({ currentPassword: currentPasswordSchema, code: totpCode.optional(), recoveryCode: recoveryCode.optional() })
  .superRefine(oneFactor)
  .meta(oneFactorOpenApi({ currentPassword: 'correct horse battery', code: '123456' }));

const passkeyName = z.string().trim().min(1, 'is required').max(64).meta({ example: 'My laptop' });

/** A credential as PublicKeyCredential.toJSON() writes it, around the ceremony's own `response`. */
const credentialJSON = <T extends z.ZodRawShape>(response: T, made: string) =>
  z
    .object({
      id: base64url(1400),
      rawId: base64url(1400),
      type: z.literal('public-key'),
      response: z.object(response),
      authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
      clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
    })
    .meta({ description: `The browser's PublicKeyCredential.toJSON() (or @simplewebauthn/browser's ${made}())` });

export const registrationResponseSchema = credentialJSON(
  {
    clientDataJSON: base64url(8_000),
    attestationObject: base64url(64_000),
    transports: z.array(z.string().max(32)).max(10).optional(),
  },
  'startRegistration',
);

export const authenticationResponseSchema = credentialJSON(
  {
    clientDataJSON: base64url(8_000),
    authenticatorData: base64url(8_000),
    signature: base64url(2_000),
    userHandle: base64url(128).optional(),
  },
  'startAuthentication',
);

export const passkeyOptionsSchema = z.strictObject({ currentPassword: currentPasswordSchema }).meta({ example: { currentPassword: 'correct horse battery' } });
const CREDENTIAL_ID = 'l4OI1Jm2aKIXm3bTr6c9gQ';
const CLIENT_DATA = 'eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoiQVFBQSIsIm9yaWdpbiI6Imh0dHA6Ly9sb2NhbGhvc3Q6ODA4MCJ9';
export const passkeyRegisterSchema = z.strictObject({ response: registrationResponseSchema, name: passkeyName.optional() }).meta({
  example: {
    name: 'My laptop',
    response: {
      id: CREDENTIAL_ID,
      rawId: CREDENTIAL_ID,
      type: 'public-key',
      response: { clientDataJSON: CLIENT_DATA, attestationObject: 'o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVjF', transports: ['internal'] },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    },
  },
});
export const passkeySigninSchema = z.strictObject({ response: authenticationResponseSchema, refreshTokenTransport: transport }).meta({
  example: {
    response: {
      id: CREDENTIAL_ID,
      rawId: CREDENTIAL_ID,
      type: 'public-key',
      response: {
        clientDataJSON: CLIENT_DATA,
        authenticatorData: 'SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ',
        signature: 'MEUCIQDx3p8Y2c0zK7s5tJ8qGQm1n7Xo4vR0aW6bT2yS9kFhQwIgV3u8cPz1rN5mK0dJ7yH2xQ6tL9wE4aB1sG3fR8vZ5oM',
        userHandle: 'awqMgp0t5qxQvmKu',
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    },
  },
});
export const renamePasskeySchema = z.strictObject({ name: passkeyName }).meta({ example: { name: 'Work laptop' } });
export const passkeyIdParams = z.strictObject({
  passkeyId: z
    .string()
    .regex(OBJECT_ID_PATTERN, 'must be a 24-character hex id')
    .transform((id) => id.toLowerCase()),
});
export const listPasskeysQuery = z.strictObject(pageParams(20, 'The nextCursor of the previous page'));

export type SigninMfaInput = z.infer<typeof signinMfaSchema>;
export type TotpEnrolInput = z.infer<typeof totpEnrolSchema>;
export type TotpActivateInput = z.infer<typeof totpActivateSchema>;
export type TotpStepUpInput = z.infer<typeof totpStepUpSchema>;
export type PasskeyOptionsInput = z.infer<typeof passkeyOptionsSchema>;
export type PasskeyRegisterInput = z.infer<typeof passkeyRegisterSchema>;
export type PasskeySigninInput = z.infer<typeof passkeySigninSchema>;
export type RenamePasskeyInput = z.infer<typeof renamePasskeySchema>;
export type ListPasskeysQuery = z.infer<typeof listPasskeysQuery>;
