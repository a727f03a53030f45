// The browser side of the API that the demo page and the admin console share: the session
// (access token in memory; refresh token in memory or an HttpOnly cookie), calls that refresh
// once on a 401, and the three ways to sign in (password, password then code, passkey).

export interface Session {
  id: string;
  username: string;
  roles: string[];
  accessToken: string;
  /** Only with body transport; with the cookie, the browser holds it. */
  refreshToken?: string;
}

export type Transport = 'body' | 'cookie';

export type SigninOutcome =
  | { kind: 'signed-in'; session: Session }
  | { kind: 'mfa'; mfaToken: string }
  | { kind: 'refused'; message: string };

export async function messageOf(res: Response): Promise<string> {
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('application/json')) {
    const body = (await res.json()) as { message?: string };
    return body.message ?? res.statusText;
  }
  return res.text();
}

export class ApiClient {
  session: Session | undefined;

  /** `onRefresh`: told of each refresh and its outcome (the demo logs them). */
  constructor(private readonly onRefresh: (ok: boolean, message: string) => void = () => undefined) {}

  /** A call with the access token, when there is one. */
  request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (init.body !== undefined) headers.set('Content-Type', 'application/json');
    if (this.session) headers.set('x-access-token', this.session.accessToken);
    return fetch(path, { ...init, headers, credentials: 'same-origin' });
  }

  /** The same, refreshing once and retrying on a 401, as the SPA clients do. */
  async authed(path: string, init: RequestInit = {}): Promise<Response> {
    let res = await this.request(path, init);
    if (res.status === 401 && this.session && (await this.refresh())) res = await this.request(path, init);
    return res;
  }

  post(path: string, body: unknown = {}): Promise<Response> {
    return this.authed(path, { method: 'POST', body: JSON.stringify(body) });
  }

  /** A new access token from the refresh token (the body's, else the cookie's). */
  async refresh(): Promise<boolean> {
    const body = this.session?.refreshToken ? { refreshToken: this.session.refreshToken } : {};
    const res = await this.request('/api/auth/refreshtoken', { method: 'POST', body: JSON.stringify(body) });
    if (!res.ok) {
      this.onRefresh(false, await messageOf(res));
      this.session = undefined;
      return false;
    }
    const tokens = (await res.json()) as { accessToken: string; refreshToken?: string };
    const base = this.session ?? { id: '', username: '', roles: [] };
    this.session = { ...base, accessToken: tokens.accessToken, ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}) };
    this.onRefresh(true, 'Access token refreshed');
    return true;
  }

  async signIn(username: string, password: string, transport: Transport): Promise<SigninOutcome> {
    this.session = undefined;
    const res = await this.request('/api/auth/signin', {
      method: 'POST',
      body: JSON.stringify({ username, password, refreshTokenTransport: transport }),
    });
    if (!res.ok) return { kind: 'refused', message: await messageOf(res) };
    const body = (await res.json()) as Session | { mfaRequired: true; mfaToken: string };
    // A second factor is due: no token yet; the sign-in continues with a code.
    if ('mfaRequired' in body) return { kind: 'mfa', mfaToken: body.mfaToken };
    return this.enter(body);
  }

  async completeMfa(mfaToken: string, factor: { code: string } | { recoveryCode: string }, transport: Transport): Promise<SigninOutcome> {
    const res = await this.request('/api/auth/signin/mfa', {
      method: 'POST',
      body: JSON.stringify({ mfaToken, ...factor, refreshTokenTransport: transport }),
    });
    if (!res.ok) return { kind: 'refused', message: await messageOf(res) };
    return this.enter((await res.json()) as Session);
  }

  /** The browser offers the passkeys it holds for this site: no username. */
  async signInWithPasskey(transport: Transport): Promise<SigninOutcome> {
    this.session = undefined;
    try {
      const options = await this.request('/api/auth/passkey/options', { method: 'POST' });
      if (!options.ok) return { kind: 'refused', message: await messageOf(options) };
      const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON((await options.json()) as PublicKeyCredentialRequestOptionsJSON);
      const credential = (await navigator.credentials.get({ publicKey })) as PublicKeyCredential | null;
      if (!credential) return { kind: 'refused', message: 'no passkey was chosen' };
      const res = await this.request('/api/auth/passkey', {
        method: 'POST',
        body: JSON.stringify({ response: credential.toJSON() as unknown, refreshTokenTransport: transport }),
      });
      if (!res.ok) return { kind: 'refused', message: await messageOf(res) };
      return this.enter((await res.json()) as Session);
    } catch (err) {
      return { kind: 'refused', message: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Ends this session (the body's token and the cookie's). */
  async signOut(): Promise<Response> {
    const body = this.session?.refreshToken ? { refreshToken: this.session.refreshToken } : {};
    const res = await this.request('/api/auth/signout', { method: 'POST', body: JSON.stringify(body) });
    this.session = undefined;
    return res;
  }

  private enter(session: Session): SigninOutcome {
    this.session = session;
    return { kind: 'signed-in', session };
  }
}
