// The demo page: a minimal browser client of the API, written like the SPA clients it stands
// for. The access token is kept in memory only; the refresh token either in memory (body
// transport) or, by default, in an HttpOnly cookie the page cannot read.

import type { paths } from './api-schema';
import { api, ApiClient, messageOf, messageOfResponse, type Session, type SigninOutcome } from './client';

const client = new ApiClient((ok, message) => {
  if (ok) log(message);
  else {
    log(`Refresh failed: ${message}`, true);
    render();
  }
});
/** Between the password and the code of an account with an authenticator app. */
let pendingMfa: { mfaToken: string; cookie: boolean } | undefined;

const $ = <T extends Element>(selector: string): T => {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`missing ${selector}`);
  return found;
};

function log(text: string, error = false): void {
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  if (error) item.className = 'error';
  $('[data-testid="log"]').prepend(item);
}

function tokenExpiry(token: string): number | undefined {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: number };
    return payload.exp;
  } catch {
    return undefined;
  }
}

function render(): void {
  const session = client.session;
  $('[data-testid="whoami"]').textContent = session
    ? `Signed in as ${session.username} (${session.roles.join(', ')})`
    : 'Signed out.';
}

setInterval(() => {
  const exp = client.session ? tokenExpiry(client.session.accessToken) : undefined;
  $('[data-testid="expires"]').textContent = exp === undefined ? '–' : `${Math.max(0, Math.round(exp - Date.now() / 1000))} s`;
}, 250);

async function openBoard(board: string): Promise<void> {
  let res = await client.request(`/api/test/${board}`);
  // What the SPA clients do on a 401: get a new access token, then retry once.
  if (res.status === 401 && client.session) {
    log(`Board ${board}: 401 (${await messageOfResponse(res)}), refreshing`);
    if (await client.refresh()) res = await client.request(`/api/test/${board}`);
  }
  const text = await messageOfResponse(res);
  $('[data-testid="board"]').textContent = res.ok ? text : `${res.status}: ${text}`;
  log(`Board ${board}: ${res.status}`, !res.ok);
}

function formValues(form: HTMLFormElement): Record<string, string> {
  return Object.fromEntries([...new FormData(form).entries()].map(([k, v]) => [k, typeof v === 'string' ? v : v.name]));
}

$<HTMLFormElement>('[data-testid="register-form"]').addEventListener('submit', (event) => {
  event.preventDefault();
  const { username, email, password } = formValues(event.currentTarget as HTMLFormElement);
  void (async () => {
    const { data, error, response } = await api.POST('/api/auth/signup', {
      body: { username: username ?? '', email: email ?? '', password: password ?? '' },
    });
    log(`Register: ${data ? data.message : messageOf(error, response)}`, !data);
  })();
});

$<HTMLFormElement>('[data-testid="signin-form"]').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  const { username, password } = formValues(form);
  const cookie = (form.elements.namedItem('cookie') as HTMLInputElement).checked;
  void (async () => {
    const outcome = await client.signIn(username ?? '', password ?? '', cookie ? 'cookie' : 'body');
    if (outcome.kind === 'mfa') {
      pendingMfa = { mfaToken: outcome.mfaToken, cookie };
      $<HTMLFormElement>('[data-testid="mfa-form"]').hidden = false;
      log('Sign in: enter the code of your authenticator app');
      return;
    }
    signedIn(outcome, cookie, 'Sign in');
  })();
});

const how = (cookie: boolean) => (cookie ? 'in an HttpOnly cookie' : 'in memory');

function signedIn(outcome: SigninOutcome, cookie: boolean, step: string): void {
  if (outcome.kind !== 'signed-in') {
    log(`${step}: ${outcome.kind === 'refused' ? outcome.message : 'a code is needed'}`, true);
    render();
    return;
  }
  const session: Session = outcome.session;
  pendingMfa = undefined;
  $<HTMLFormElement>('[data-testid="mfa-form"]').hidden = true;
  log(`Signed in as ${session.username}; refresh token ${how(cookie)}`);
  render();
}

$<HTMLFormElement>('[data-testid="mfa-form"]').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  const { code, recoveryCode } = formValues(form);
  void (async () => {
    if (!pendingMfa) {
      log('Sign in first with the password', true);
      return;
    }
    const { mfaToken, cookie } = pendingMfa;
    const outcome = await client.completeMfa(mfaToken, code ? { code } : { recoveryCode: recoveryCode ?? '' }, cookie ? 'cookie' : 'body');
    if (outcome.kind === 'signed-in') form.reset();
    signedIn(outcome, cookie, 'Code');
  })();
});

const cookieWanted = () => $<HTMLInputElement>('[data-testid="signin-form"] [name=cookie]').checked;

$('[data-testid="passkey-signin"]').addEventListener('click', () => {
  void (async () => {
    const cookie = cookieWanted();
    signedIn(await client.signInWithPasskey(cookie ? 'cookie' : 'body'), cookie, 'Passkey sign-in');
  })();
});

const securityPassword = () => $<HTMLInputElement>('[data-testid="security-password"]').value;

async function listPasskeys(): Promise<void> {
  const { data, error, response } = await client.call(() => api.GET('/api/users/me/passkeys'));
  if (!data) {
    log(`Passkeys: ${messageOf(error, response)}`, true);
    return;
  }
  $('[data-testid="passkeys"]').replaceChildren(
    ...data.passkeys.map((p) => {
      const item = document.createElement('li');
      item.textContent = `${p.name} (${p.lastUsedAt ? `last used ${new Date(p.lastUsedAt).toLocaleString()}` : 'not used yet'})`;
      return item;
    }),
  );
}

type PasskeyBody = NonNullable<paths['/api/users/me/passkeys']['post']['requestBody']>['content']['application/json'];

$('[data-testid="passkey-add"]').addEventListener('click', () => {
  void (async () => {
    try {
      const options = await client.call(() => api.POST('/api/users/me/passkeys/options', { body: { currentPassword: securityPassword() } }));
      if (!options.data) throw new Error(messageOf(options.error, options.response));
      const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options.data as unknown as PublicKeyCredentialCreationOptionsJSON);
      const credential = (await navigator.credentials.create({ publicKey })) as PublicKeyCredential | null;
      if (!credential) throw new Error('the browser made no passkey');
      const name = $<HTMLInputElement>('[data-testid="passkey-name"]').value.trim() || undefined;
      // toJSON() is typed `any` by the DOM library; the service checks its shape.
      const response = credential.toJSON() as PasskeyBody['response'];
      const added = await client.call(() => api.POST('/api/users/me/passkeys', { body: { response, ...(name ? { name } : {}) } }));
      if (!added.data) throw new Error(messageOf(added.error, added.response));
      log(`Passkey added: ${added.data.name}`);
      await listPasskeys();
    } catch (err) {
      log(`Add a passkey: ${err instanceof Error ? err.message : String(err)}`, true);
    }
  })();
});

$('[data-testid="passkey-list"]').addEventListener('click', () => void listPasskeys());

$('[data-testid="totp-start"]').addEventListener('click', () => {
  void (async () => {
    const { data, error, response } = await client.call(() => api.POST('/api/users/me/mfa/totp', { body: { currentPassword: securityPassword() } }));
    if (!data) {
      log(`Authenticator app: ${messageOf(error, response)}`, true);
      return;
    }
    $<HTMLImageElement>('[data-testid="totp-qr"]').src = data.qrCode;
    $('[data-testid="totp-secret"]').textContent = data.secret;
    $<HTMLElement>('[data-testid="totp-enrol"]').hidden = false;
    log('Authenticator app: scan the code, then enter the code it shows');
  })();
});

$<HTMLFormElement>('[data-testid="totp-verify-form"]').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  const { code } = formValues(form);
  void (async () => {
    const { data, error, response } = await client.call(() => api.POST('/api/users/me/mfa/totp/verify', { body: { code: code ?? '' } }));
    if (!data) {
      log(`Authenticator app: ${messageOf(error, response)}`, true);
      return;
    }
    form.reset();
    $<HTMLElement>('[data-testid="totp-enrol"]').hidden = true;
    $('[data-testid="recovery-codes"]').textContent = data.recoveryCodes.join('\n');
    $<HTMLElement>('[data-testid="recovery"]').hidden = false;
    log('Authenticator app enabled: sign-in now asks for its code');
  })();
});

$<HTMLFormElement>('[data-testid="forgot-form"]').addEventListener('submit', (event) => {
  event.preventDefault();
  const { email } = formValues(event.currentTarget as HTMLFormElement);
  void (async () => {
    const { data, error, response } = await api.POST('/api/auth/forgot-password', { body: { email: email ?? '' } });
    log(`Forgot password: ${data ? data.message : messageOf(error, response)}`, !data);
  })();
});

for (const button of document.querySelectorAll<HTMLButtonElement>('[data-board]')) {
  button.addEventListener('click', () => void openBoard(button.dataset.board!));
}

$('[data-testid="signout"]').addEventListener('click', () => {
  void (async () => {
    log(`Sign out: ${await client.signOut()}`);
    render();
  })();
});

render();
