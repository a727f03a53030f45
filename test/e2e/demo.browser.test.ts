import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, launchChromium } from '../helpers/browser';
import { startMailbox, type Mailbox } from '../helpers/mailbox';
import { codeAt } from '../helpers/totp';
import { freePort, start, stopAll, waitFor, type Running } from '../helpers/process';

// The demo page driven in headless Chromium (helpers/browser) against the real service and a
// real mongod.

jest.setTimeout(120_000);

// The functions given to page.evaluate/waitForFunction run in the page; this is the little of
// the DOM they use (the Node program has no DOM types).
interface PageElement {
  textContent: string | null;
}
declare const document: {
  cookie: string;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
};

const ACCESS_TTL_SECONDS = 2;

describeBrowser('demo page in Chromium', () => {
  let server: Running;
  let dataDir: string;
  let browser: Browser;
  let base: string;
  /** The same server by name: WebAuthn refuses IP addresses as relying-party ids. */
  let localhost: string;
  let mailbox: Mailbox;

  beforeAll(async () => {
    execFileSync(process.execPath, [path.resolve(__dirname, '../../scripts/build-demo.mjs')], { stdio: 'inherit' });
    dataDir = await mkdtemp(path.join(tmpdir(), 'auth-api-demo-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    localhost = `http://localhost:${port}`;
    mailbox = await startMailbox();
    server = start({
      PORT: String(port),
      MONGODB_DATA_DIR: dataDir,
      JWT_ACCESS_TTL: String(ACCESS_TTL_SECONDS),
      SMTP_URL: mailbox.url,
      APP_URL: `${base}/demo`,
      WEBAUTHN_RP_ID: 'localhost',
      WEBAUTHN_ORIGINS: localhost,
    });
    await waitFor(server, 'auth API listening');
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await mailbox?.close();
    stopAll();
    await server?.exited;
    await rm(dataDir, { recursive: true, force: true });
  });

  async function openDemo(origin = base): Promise<Page> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${origin}/demo/`);
    // The page's own script must run under the service's Content-Security-Policy.
    await page.waitForFunction(() => document.querySelector('[data-testid="whoami"]')?.textContent === 'Signed out.');
    expect(errors).toEqual([]);
    return page;
  }

  const logText = (page: Page) => page.locator('[data-testid="log"]').innerText();

  async function register(page: Page, username: string) {
    await page.fill('[data-testid="register-form"] [name=username]', username);
    await page.fill('[data-testid="register-form"] [name=email]', `${username}@example.com`);
    await page.fill('[data-testid="register-form"] [name=password]', 'demo-password');
    await page.click('[data-testid="register-form"] button');
    await page.getByText('Register: User was registered successfully!').waitFor();
  }

  async function signIn(page: Page, username: string, cookie: boolean, { wait = true } = {}) {
    await page.fill('[data-testid="signin-form"] [name=username]', username);
    await page.fill('[data-testid="signin-form"] [name=password]', 'demo-password');
    await page.setChecked('[data-testid="signin-form"] [name=cookie]', cookie);
    await page.click('[data-testid="signin-form"] button');
    if (wait) await page.getByText(`Signed in as ${username} (ROLE_USER)`).waitFor();
  }

  async function signOut(page: Page) {
    await page.click('[data-testid="signout"]');
    await page.getByText('Signed out.').waitFor();
  }

  /** Clicks a board button and waits for its "Board <name>: <status>" log line. */
  async function board(page: Page, name: string): Promise<string> {
    const lines = await page.locator('[data-testid="log"] li').count();
    await page.click(`[data-board="${name}"]`);
    await page.waitForFunction(
      ({ count, name }) =>
        [...document.querySelectorAll('[data-testid="log"] li')]
          .slice(0, document.querySelectorAll('[data-testid="log"] li').length - count)
          .some((li) => new RegExp(`Board ${name}: \\d{3}$`).test(li.textContent ?? '')),
      { count: lines, name },
    );
    return page.locator('[data-testid="board"]').innerText();
  }

  it('registers, signs in, opens the boards, refreshes the access token and signs out (cookie transport)', async () => {
    const page = await openDemo();
    await register(page, 'browser-user');
    await signIn(page, 'browser-user', true);

    expect(await board(page, 'all')).toBe('Public Content.');
    expect(await board(page, 'user')).toBe('User Content.');
    expect(await board(page, 'mod')).toBe('403: Require Moderator Role!');
    expect(await board(page, 'admin')).toBe('403: Require Admin Role!');

    // The refresh token lives in an HttpOnly cookie: page scripts cannot see it.
    expect(await page.evaluate(() => document.cookie)).not.toContain('refreshToken');
    const cookies = await page.context().cookies(`${base}/api/auth/refreshtoken`);
    expect(cookies.find((c) => c.name === 'refreshToken')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });

    // Let the access token expire: the next board gets a 401, refreshes and retries.
    await page.waitForTimeout(ACCESS_TTL_SECONDS * 1000 + 1_000);
    expect(await board(page, 'user')).toBe('User Content.');
    const log = await logText(page);
    expect(log).toContain('Board user: 401 (Unauthorized! Access Token was expired!), refreshing');
    expect(log).toContain('Access token refreshed');

    await page.click('[data-testid="signout"]');
    await page.getByText("Sign out: You've been signed out!").waitFor();
    await page.getByText('Signed out.').waitFor();
    expect(await board(page, 'user')).toBe('403: No token provided!');
    await page.close();
  });

  it('works with the refresh token kept in memory (body transport)', async () => {
    const page = await openDemo();
    await register(page, 'memory-user');
    await signIn(page, 'memory-user', false);
    await page.waitForTimeout(ACCESS_TTL_SECONDS * 1000 + 1_000);
    expect(await board(page, 'user')).toBe('User Content.');
    expect(await logText(page)).toContain('Access token refreshed');
    expect((await page.context().cookies(`${base}/api/auth/refreshtoken`)).find((c) => c.name === 'refreshToken')).toBeUndefined();
    await page.close();
  });

  it('resets a forgotten password through the link in the mail, then signs in with the new one', async () => {
    const page = await openDemo();
    await register(page, 'forgetful');
    await page.click('[data-testid="forgot"] summary');
    await page.fill('[data-testid="forgot-form"] [name=email]', 'forgetful@example.com');
    await page.click('[data-testid="forgot-form"] button');
    await page.getByText('Forgot password: If an account uses that address, a link to reset its password is on its way.').waitFor();

    const mail = mailbox.received.find((m) => m.to === 'forgetful@example.com' && m.subject === 'Reset your password') ??
      (await (async () => {
        for (let i = 0; i < 50; i += 1) {
          const found = mailbox.received.find((m) => m.to === 'forgetful@example.com' && m.subject === 'Reset your password');
          if (found) return found;
          await page.waitForTimeout(100);
        }
        throw new Error('no reset mail');
      })());
    expect(mail.link).toMatch(new RegExp(`^${base}/demo/reset-password#token=`));

    const resetPage = await browser.newPage();
    const errors: string[] = [];
    resetPage.on('pageerror', (err) => errors.push(err.message));
    await resetPage.goto(mail.link!);
    await resetPage.fill('[data-testid="reset-form"] [name=password]', 'brand-new-demo-pass');
    await resetPage.click('[data-testid="reset-form"] button');
    await resetPage.getByText('Your password was reset. Every session was signed out; sign in with the new password.').waitFor();
    expect(errors).toEqual([]);
    await resetPage.close();

    await page.fill('[data-testid="signin-form"] [name=username]', 'forgetful');
    await page.fill('[data-testid="signin-form"] [name=password]', 'brand-new-demo-pass');
    await page.click('[data-testid="signin-form"] button');
    await page.getByText('Signed in as forgetful (ROLE_USER)').waitFor();
    await page.close();
  });

  it('adds a passkey, signs out, signs in with it and opens the user board (virtual authenticator)', async () => {
    const page = await openDemo(localhost);
    // Chromium's virtual authenticator, through the DevTools protocol: a platform
    // authenticator with resident keys that verifies its user.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });

    await register(page, 'passkey-user');
    await signIn(page, 'passkey-user', true);
    await page.fill('[data-testid="security-password"]', 'demo-password');
    await page.fill('[data-testid="passkey-name"]', 'Virtual authenticator');
    await page.click('[data-testid="passkey-add"]');
    await page.getByText('Passkey added: Virtual authenticator').waitFor();
    await page.locator('[data-testid="passkeys"] li', { hasText: 'Virtual authenticator (not used yet)' }).waitFor();
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });

    await signOut(page);
    // No username: the authenticator offers the passkey it holds for this site.
    await page.click('[data-testid="passkey-signin"]');
    await page.getByText('Signed in as passkey-user (ROLE_USER)').waitFor();
    expect(await board(page, 'user')).toBe('User Content.');
    const { credentials: after } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(after[0]!.signCount).toBeGreaterThan(credentials[0]!.signCount);
    expect(await logText(page)).not.toMatch(/Passkey sign-in:/);
    await page.close();
  });

  it('enrols an authenticator app with the code the test computes, then signs in with a code', async () => {
    const page = await openDemo();
    await register(page, 'totp-user');
    await signIn(page, 'totp-user', true);
    await page.fill('[data-testid="security-password"]', 'demo-password');
    await page.click('[data-testid="totp-start"]');
    await page.locator('[data-testid="totp-enrol"]').waitFor({ state: 'visible' });
    // The QR code is an image the page may show under the service's Content-Security-Policy.
    expect(await page.locator('[data-testid="totp-qr"]').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    const secret = await page.locator('[data-testid="totp-secret"]').innerText();
    await page.fill('[data-testid="totp-verify-form"] [name=code]', codeAt(secret, Date.now()));
    await page.click('[data-testid="totp-verify-form"] button');
    await page.getByText('Authenticator app enabled: sign-in now asks for its code').waitFor();
    const codes = (await page.locator('[data-testid="recovery-codes"]').innerText()).split('\n');
    expect(codes).toHaveLength(10);

    await signOut(page);
    await signIn(page, 'totp-user', true, { wait: false });
    await page.getByText('Sign in: enter the code of your authenticator app').waitFor();
    // The next time step's code: the enrolment used this one, and each is accepted once.
    await page.fill('[data-testid="mfa-form"] [name=code]', codeAt(secret, Date.now() + 30_000));
    await page.click('[data-testid="mfa-form"] button');
    await page.getByText('Signed in as totp-user (ROLE_USER)').waitFor();
    expect(await board(page, 'user')).toBe('User Content.');

    // And with a recovery code.
    await signOut(page);
    await signIn(page, 'totp-user', false, { wait: false });
    await page.getByText('Sign in: enter the code of your authenticator app').waitFor();
    await page.fill('[data-testid="mfa-form"] [name=recoveryCode]', codes[0]!);
    await page.click('[data-testid="mfa-form"] button');
    await page.getByText('Signed in as totp-user (ROLE_USER)').waitFor();
    await page.close();
  });
});
