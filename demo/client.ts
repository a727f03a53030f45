// The browser side of the API that the demo page and the admin console share: the session
// (access token in memory; refresh token in memory or an HttpOnly cookie), calls that refresh
// once on a 401, and the three ways to sign in (password, password then code, passkey).
//
// Calls go through openapi-fetch with types generated from the service's own OpenAPI document
// (api-schema.d.ts, `npm run openapi`): a path, body or reply that the document does not have
// fails the typecheck, so these pages cannot drift from the API.

import createClient from 'openapi-fetch';
import type { components, paths } from './api-schema';

export type Schemas = components['schemas'];
export type Session = Pick<Schemas['SigninReply'], 'id' | 'username' | 'roles' | 'accessToken' | 'refreshToken'>;
export type Transport = 'body' | 'cookie';
type PasskeySigninBody = NonNullable<paths['/api/auth/passkey']['post']['requestBody']>['content']['application/json'];

export type SigninOutcome =
  | { kind: 'signed-in'; session: Session }
  | { kind: 'mfa'; mfaToken: string }
  | { kind: 'refused'; message: string };

/** The typed client; the access token of the current session goes with every call. */
export const api = createClient<paths>({ credentials: 'same-origin' });

/** The human text of an error reply (`{message, code}`), whatever its status. */
export function messageOf(error: unknown, response?: Response): string {
  const message = (error as { message?: unknown } | undefined)?.message;
  if (typeof message === 'string') return message;
  return typeof error === 'string' && error !== '' ? error : (response?.statusText ?? 'failed');
}

/** For replies read as text (the boards) and untyped calls. */
export async function messageOfResponse(res: Response): Promise<string> {
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('application/json')) return messageOf(await res.json(), res);
  return res.text();
}

export class ApiClient {
  session: Session | undefined;

  /** `onRefresh`: told of each refresh and its outcome (the demo logs them). */
  constructor(private readonly onRefresh: (ok: boolean, message: string) => void = () => undefined) {
    api.use({
      onRequest: ({ request }) => {
        if (this.session) request.headers.set('x-access-token', this.session.accessToken);
        return request;
      },
    });
  }

  /** A typed call, made again once after a refresh when it meets a 401, as the SPA clients do. */
  async call<R extends { response: Response }>(make: () => Promise<R>): Promise<R> {
    const first = await make();
    if (first.response.status !== 401 || !this.session || !(await this.refresh())) return first;
    return make();
  }

  /** A plain call with the access token (the boards answer text/plain). */
  request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (init.body !== undefined) headers.set('Content-Type', 'application/json');
    if (this.session) headers.set('x-access-token', this.session.accessToken);
    return fetch(path, { ...init, headers, credentials: 'same-origin' });
  }

  /** A new access token from the refresh token (the body's, else the cookie's). */
  async refresh(): Promise<boolean> {
    const refreshToken = this.session?.refreshToken;
    const { data, error, response } = await api.POST('/api/auth/refreshtoken', { body: refreshToken ? { refreshToken } : {} });
    if (!data) {
      this.onRefresh(false, messageOf(error, response));
      this.session = undefined;
      return false;
    }
    const base = this.session ?? { id: '', username: '', roles: [] };
    this.session = { ...base, accessToken: data.accessToken, ...(data.refreshToken ? { refreshToken: data.refreshToken } : {}) };
    this.onRefresh(true, 'Access token refreshed');
    return true;
  }

  async signIn(username: string, password: string, transport: Transport): Promise<SigninOutcome> {
    this.session = undefined;
    const { data, error, response } = await api.POST('/api/auth/signin', { body: { username, password, refreshTokenTransport: transport } });
    if (!data) return { kind: 'refused', message: messageOf(error, response) };
    // A second factor is due: no token yet; the sign-in continues with a code.
    if ('mfaRequired' in data) return { kind: 'mfa', mfaToken: data.mfaToken };
    return this.enter(data);
  }

  async completeMfa(mfaToken: string, factor: { code: string } | { recoveryCode: string }, transport: Transport): Promise<SigninOutcome> {
    const { data, error, response } = await api.POST('/api/auth/signin/mfa', {
      body: { mfaToken, ...factor, refreshTokenTransport: transport },
    });
    if (!data) return { kind: 'refused', message: messageOf(error, response) };
    return this.enter(data);
  }

  /** The browser offers the passkeys it holds for this site: no username. */
  async signInWithPasskey(transport: Transport): Promise<SigninOutcome> {
    this.session = undefined;
    try {
      const options = await api.POST('/api/auth/passkey/options');
      if (!options.data) return { kind: 'refused', message: messageOf(options.error, options.response) };
      const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options.data);
      const credential = (await navigator.credentials.get({ publicKey })) as PublicKeyCredential | null;
      if (!credential) return { kind: 'refused', message: 'no passkey was chosen' };
      const { data, error, response } = await api.POST('/api/auth/passkey', {
        // toJSON() is typed `any` by the DOM library; the service checks its shape.
        body: { response: credential.toJSON() as PasskeySigninBody['response'], refreshTokenTransport: transport },
      });
      if (!data) return { kind: 'refused', message: messageOf(error, response) };
      return this.enter(data);
    } catch (err) {
      return { kind: 'refused', message: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Ends this session (the body's token and the cookie's). */
  async signOut(): Promise<string> {
    const refreshToken = this.session?.refreshToken;
    const { data, error, response } = await api.POST('/api/auth/signout', { body: refreshToken ? { refreshToken } : {} });
    this.session = undefined;
    return data ? data.message : messageOf(error, response);
  }

  private enter(session: Session): SigninOutcome {
    this.session = session;
    return { kind: 'signed-in', session };
  }
}
