/**
 * The catalogue of security events: each type is one `event` value in the log and one `type`
 * in the audit trail (services/security-events records them; validations list them).
 */
export const SECURITY_EVENTS = {
  user_registered: { level: 'info', text: 'security: user registered' },
  signin_succeeded: { level: 'info', text: 'security: signed in' },
  signed_out: { level: 'info', text: 'security: signed out' },
  signed_out_everywhere: { level: 'info', text: 'security: every session signed out' },
  session_revoked: { level: 'info', text: 'security: session revoked' },
  admin_created: { level: 'info', text: 'security: the configured initial admin was created' },
  signin_failed: { level: 'warn', text: 'security: sign-in failed' },
  signin_throttled: { level: 'warn', text: 'security: sign-in refused by a limit' },
  refresh_token_reuse: { level: 'warn', text: 'security: a superseded refresh token was presented; the session is revoked' },
  password_changed: { level: 'info', text: 'security: password changed; every session signed out' },
  roles_changed: { level: 'info', text: 'security: roles changed' },
  user_disabled: { level: 'info', text: 'security: user disabled' },
  user_enabled: { level: 'info', text: 'security: user enabled' },
  user_deleted: { level: 'info', text: 'security: user deleted' },
  admin_restored: { level: 'warn', text: 'security: no active admin was left; the configured admin got the role back' },
  password_reset_requested: { level: 'info', text: 'security: password reset mail sent' },
  password_reset: { level: 'info', text: 'security: password reset through a mailed link; every session signed out' },
  email_verified: { level: 'info', text: 'security: email address verified' },
  email_change_requested: { level: 'info', text: 'security: email change asked for; confirmation mailed to the new address' },
  email_changed: { level: 'info', text: 'security: email address changed' },
  mfa_enabled: { level: 'info', text: 'security: authenticator app (TOTP) enabled' },
  mfa_disabled: { level: 'info', text: 'security: authenticator app (TOTP) removed' },
  mfa_failed: { level: 'warn', text: 'security: a wrong authenticator or recovery code' },
  mfa_throttled: { level: 'warn', text: 'security: second-factor attempts refused by a limit' },
  recovery_code_used: { level: 'warn', text: 'security: a recovery code was used' },
  recovery_codes_regenerated: { level: 'info', text: 'security: new recovery codes; the old ones are void' },
  mfa_reset: { level: 'warn', text: "security: an admin removed the user's second factors and passkeys" },
  passkey_added: { level: 'info', text: 'security: passkey registered' },
  passkey_removed: { level: 'info', text: 'security: passkey removed' },
  passkey_failed: { level: 'warn', text: 'security: a passkey sign-in was refused' },
  passkey_counter_regression: {
    level: 'warn',
    text: "security: a passkey's signature counter went back (a cloned authenticator?); refused",
  },
} as const;

export type SecurityEventType = keyof typeof SECURITY_EVENTS;
