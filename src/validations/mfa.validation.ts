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
const ONE_FACTOR_OPENAPI = {
  override: ({ jsonSchema }: { jsonSchema: Record<string, unknown> }) => {
    const { properties, required, ...rest } = jsonSchema as { properties: Record<string, unknown>; required?: string[] };
    const { code, recoveryCode, ...common } = properties;
    const branch = (name: string, schema: unknown) => ({
      ...rest,
      properties: { ...common, [name]: schema },
      required: [...(required ?? []), name],
    });
    for (const key of Object.keys(jsonSchema)) delete jsonSchema[key];
    jsonSchema.oneOf = [branch('code', code), branch('recoveryCode', recoveryCode)];
  },
};

const mfaToken = base64url(200).meta({ description: 'From the sign-in reply whose mfaRequired is true' });

export const signinMfaSchema = z
  .strictObject({ mfaToken, code: totpCode.optional(), recoveryCode: recoveryCode.optional(), refreshTokenTransport: transport })
  .superRefine(oneFactor)
  .meta(ONE_FACTOR_OPENAPI);

export const totpEnrolSchema = z.strictObject({ currentPassword: currentPasswordSchema });
export const totpActivateSchema = z.strictObject({ code: totpCode });
export const totpStepUpSchema = z
  .strictObject({ currentPassword: currentPasswordSchema, code: totpCode.optional(), recoveryCode: recoveryCode.optional() })
  .superRefine(oneFactor)
  .meta(ONE_FACTOR_OPENAPI);

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

export const passkeyOptionsSchema = z.strictObject({ currentPassword: currentPasswordSchema });
export const passkeyRegisterSchema = z.strictObject({ response: registrationResponseSchema, name: passkeyName.optional() });
export const passkeySigninSchema = z.strictObject({ response: authenticationResponseSchema, refreshTokenTransport: transport });
export const renamePasskeySchema = z.strictObject({ name: passkeyName });
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
