export { createOneTimeTokens, type OneTimeTokens } from './one-time-tokens';
export { createPasskeyService, CEREMONY_TTL_SECONDS, type PasskeyService, type PasskeyView, type PasskeyPage } from './passkeys';
export { createSecretBox, DEVELOPMENT_KEY, type SecretBox } from './secret-box';
export { anyTotpFactor, createTotpService, RECOVERY_CODE_COUNT, type SecondFactor, type SecondFactorInput, type TotpEnrolment, type TotpService } from './totp';
