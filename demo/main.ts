// The demo page: a minimal browser client of the API, written like the SPA clients it stands
// for. The access token is kept in memory only; the refresh token either in memory (body
// transport) or, by default, in an HttpOnly cookie the page cannot read.

import { ApiClient, messageOf, type Session, type SigninOutcome } from './client';

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
    log(`Board ${board}: 401 (${await messageOf(res)}), refreshing`);
    if (await client.refresh()) res = await client.request(`/api/test/${board}`);
  }
  const text = await messageOf(res);
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
    const res = await client.request('/api/auth/signup', { method: 'POST', body: JSON.stringify({ username, email, password }) });
    log(`Register: ${await messageOf(res)}`, !res.ok);
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
  const res = await client.authed('/api/users/me/passkeys');
  if (!res.ok) {
    log(`Passkeys: ${await messageOf(res)}`, true);
    return;
  }
  const { passkeys } = (await res.json()) as { passkeys: { id: string; name: string; lastUsedAt: string | null }[] };
  const list = $('[data-testid="passkeys"]');
  list.replaceChildren(
    ...passkeys.map((p) => {
      const item = document.createElement('li');
      item.textContent = `${p.name} (${p.lastUsedAt ? `last used ${new Date(p.lastUsedAt).toLocaleString()}` : 'not used yet'})`;
      return item;
    }),
  );
}

$('[data-testid="passkey-add"]').addEventListener('click', () => {
  void (async () => {
    try {
      const options = await client.authed('/api/users/me/passkeys/options', {
        method: 'POST',
        body: JSON.stringify({ currentPassword: securityPassword() }),
      });
      if (!options.ok) throw new Error(await messageOf(options));
      const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON((await options.json()) as PublicKeyCredentialCreationOptionsJSON);
      const credential = (await navigator.credentials.create({ publicKey })) as PublicKeyCredential | null;
      if (!credential) throw new Error('the browser made no passkey');
      const name = $<HTMLInputElement>('[data-testid="passkey-name"]').value.trim() || undefined;
      const res = await client.authed('/api/users/me/passkeys', { method: 'POST', body: JSON.stringify({ response: credential.toJSON() as unknown, name }) });
      if (!res.ok) throw new Error(await messageOf(res));
      log(`Passkey added: ${((await res.json()) as { name: string }).name}`);
      await listPasskeys();
    } catch (err) {
      log(`Add a passkey: ${err instanceof Error ? err.message : String(err)}`, true);
    }
  })();
});

$('[data-testid="passkey-list"]').addEventListener('click', () => void listPasskeys());

$('[data-testid="totp-start"]').addEventListener('click', () => {
  void (async () => {
    const res = await client.authed('/api/users/me/mfa/totp', { method: 'POST', body: JSON.stringify({ currentPassword: securityPassword() }) });
    if (!res.ok) {
      log(`Authenticator app: ${await messageOf(res)}`, true);
      return;
    }
    const enrolment = (await res.json()) as { secret: string; qrCode: string };
    $<HTMLImageElement>('[data-testid="totp-qr"]').src = enrolment.qrCode;
    $('[data-testid="totp-secret"]').textContent = enrolment.secret;
    $<HTMLElement>('[data-testid="totp-enrol"]').hidden = false;
    log('Authenticator app: scan the code, then enter the code it shows');
  })();
});

$<HTMLFormElement>('[data-testid="totp-verify-form"]').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  const { code } = formValues(form);
  void (async () => {
    const res = await client.authed('/api/users/me/mfa/totp/verify', { method: 'POST', body: JSON.stringify({ code }) });
    if (!res.ok) {
      log(`Authenticator app: ${await messageOf(res)}`, true);
      return;
    }
    const { recoveryCodes } = (await res.json()) as { recoveryCodes: string[] };
    form.reset();
    $<HTMLElement>('[data-testid="totp-enrol"]').hidden = true;
    $('[data-testid="recovery-codes"]').textContent = recoveryCodes.join('\n');
    $<HTMLElement>('[data-testid="recovery"]').hidden = false;
    log('Authenticator app enabled: sign-in now asks for its code');
  })();
});

$<HTMLFormElement>('[data-testid="forgot-form"]').addEventListener('submit', (event) => {
  event.preventDefault();
  const { email } = formValues(event.currentTarget as HTMLFormElement);
  void (async () => {
    const res = await client.request('/api/auth/forgot-password', { method: 'POST', body: JSON.stringify({ email }) });
    log(`Forgot password: ${await messageOf(res)}`, !res.ok);
  })();
});

for (const button of document.querySelectorAll<HTMLButtonElement>('[data-board]')) {
  button.addEventListener('click', () => void openBoard(button.dataset.board!));
}

$('[data-testid="signout"]').addEventListener('click', () => {
  void (async () => {
    const res = await client.signOut();
    log(`Sign out: ${await messageOf(res)}`, !res.ok);
    render();
  })();
});

render();
