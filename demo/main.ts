// The demo page: a minimal browser client of the API, written like the SPA clients it stands
// for. The access token is kept in memory only; the refresh token either in memory (body
// transport) or, by default, in an HttpOnly cookie the page cannot read.

interface Session {
  username: string;
  roles: string[];
  accessToken: string;
  /** Only with body transport; with the cookie, the browser holds it. */
  refreshToken?: string;
}

let session: Session | undefined;

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

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.body !== undefined) headers.set('Content-Type', 'application/json');
  if (session) headers.set('x-access-token', session.accessToken);
  return fetch(path, { ...init, headers, credentials: 'same-origin' });
}

async function messageOf(res: Response): Promise<string> {
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('application/json')) {
    const body = (await res.json()) as { message?: string };
    return body.message ?? res.statusText;
  }
  return res.text();
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
  $('[data-testid="whoami"]').textContent = session
    ? `Signed in as ${session.username} (${session.roles.join(', ')})`
    : 'Signed out.';
}

setInterval(() => {
  const exp = session ? tokenExpiry(session.accessToken) : undefined;
  $('[data-testid="expires"]').textContent = exp === undefined ? '–' : `${Math.max(0, Math.round(exp - Date.now() / 1000))} s`;
}, 250);

/** What the SPA clients do on a 401: get a new access token, then retry once. */
async function refresh(): Promise<boolean> {
  if (!session) return false;
  const body = session.refreshToken ? { refreshToken: session.refreshToken } : {};
  const res = await api('/api/auth/refreshtoken', { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) {
    log(`Refresh failed: ${await messageOf(res)}`, true);
    session = undefined;
    render();
    return false;
  }
  const tokens = (await res.json()) as { accessToken: string; refreshToken?: string };
  session = { ...session, accessToken: tokens.accessToken, ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}) };
  log('Access token refreshed');
  return true;
}

async function openBoard(board: string): Promise<void> {
  let res = await api(`/api/test/${board}`);
  if (res.status === 401 && session) {
    log(`Board ${board}: 401 (${await messageOf(res)}), refreshing`);
    if (await refresh()) res = await api(`/api/test/${board}`);
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
    const res = await api('/api/auth/signup', { method: 'POST', body: JSON.stringify({ username, email, password }) });
    log(`Register: ${await messageOf(res)}`, !res.ok);
  })();
});

$<HTMLFormElement>('[data-testid="signin-form"]').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  const { username, password } = formValues(form);
  const cookie = (form.elements.namedItem('cookie') as HTMLInputElement).checked;
  void (async () => {
    session = undefined;
    const res = await api('/api/auth/signin', {
      method: 'POST',
      body: JSON.stringify({ username, password, refreshTokenTransport: cookie ? 'cookie' : 'body' }),
    });
    if (!res.ok) {
      log(`Sign in: ${await messageOf(res)}`, true);
      return;
    }
    const body = (await res.json()) as Session;
    session = body;
    log(`Signed in as ${body.username}; refresh token ${cookie ? 'in an HttpOnly cookie' : 'in memory'}`);
    render();
  })();
});

$<HTMLFormElement>('[data-testid="forgot-form"]').addEventListener('submit', (event) => {
  event.preventDefault();
  const { email } = formValues(event.currentTarget as HTMLFormElement);
  void (async () => {
    const res = await api('/api/auth/forgot-password', { method: 'POST', body: JSON.stringify({ email }) });
    log(`Forgot password: ${await messageOf(res)}`, !res.ok);
  })();
});

for (const button of document.querySelectorAll<HTMLButtonElement>('[data-board]')) {
  button.addEventListener('click', () => void openBoard(button.dataset.board!));
}

$('[data-testid="signout"]').addEventListener('click', () => {
  void (async () => {
    const body = session?.refreshToken ? { refreshToken: session.refreshToken } : {};
    const res = await api('/api/auth/signout', { method: 'POST', body: JSON.stringify(body) });
    log(`Sign out: ${await messageOf(res)}`, !res.ok);
    session = undefined;
    render();
  })();
});

render();
