import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, launchChromium } from '../helpers/browser';
import { freePort, start, stopAll, waitFor, type Running } from '../helpers/process';

// The admin console in headless Chromium against the real service: the bootstrap admin signs
// in, finds a user, disables them, and sees it in the audit log, and the user's failed
// sign-in in the chart's numbers. UPDATE_SCREENSHOTS=1 also writes the README's screenshots.
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? path.resolve(__dirname, '../../docs/images') : undefined;

jest.setTimeout(120_000);

const ADMIN = { username: 'root-admin', email: 'root@example.com', password: 'a-long-admin-password' };

describeBrowser('admin console in Chromium', () => {
  let server: Running;
  let dataDir: string;
  let browser: Browser;
  let base: string;

  const api = async (route: string, body: unknown) =>
    fetch(`${base}${route}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    execFileSync(process.execPath, [path.resolve(__dirname, '../../scripts/build-demo.mjs')], { stdio: 'inherit' });
    dataDir = await mkdtemp(path.join(tmpdir(), 'auth-api-admin-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = start({
      PORT: String(port),
      MONGODB_DATA_DIR: dataDir,
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
    });
    await waitFor(server, 'auth API listening');
    browser = await launchChromium();

    // A user with a failed sign-in, and a few more users for the list.
    for (const name of ['mallory-target', 'alice-reader', 'bob-writer', 'plain-user']) {
      expect((await api('/api/auth/signup', { username: name, email: `${name}@example.com`, password: 'correct-horse-42' })).status).toBe(200);
    }
    expect((await api('/api/auth/signin', { username: 'mallory-target', password: 'wrong-password-1' })).status).toBe(401);
    expect((await api('/api/auth/signin', { username: 'mallory-target', password: 'correct-horse-42' })).status).toBe(200);
  });

  afterAll(async () => {
    await browser?.close();
    stopAll();
    await server?.exited;
    await rm(dataDir, { recursive: true, force: true });
  });

  async function openConsole(page: Page, errors: string[]): Promise<void> {
    page.on('pageerror', (err) => errors.push(err.message));
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${base}/admin/`);
  }

  async function signIn(page: Page, username: string, password: string): Promise<void> {
    await page.locator('[data-testid="signin"]').waitFor();
    await page.fill('[data-testid="signin-form"] [name=username]', username);
    await page.fill('[data-testid="signin-form"] [name=password]', password);
    await page.click('[data-testid="signin-form"] button');
  }

  const shot = async (page: Page, name: string) => {
    if (!SCREENSHOTS) return;
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, name), fullPage: true });
  };

  it('signs in as the bootstrap admin, disables a user, and shows it in the audit log and the failed sign-in in the chart', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    await openConsole(page, errors);
    await signIn(page, ADMIN.username, ADMIN.password);
    await page.getByText(`Signed in as ${ADMIN.username} (ROLE_USER, ROLE_MODERATOR, ROLE_ADMIN)`).waitFor();
    await page.locator('[data-testid="users"] tbody tr', { hasText: 'alice-reader' }).waitFor();

    await page.fill('[data-testid="user-search"] [name=q]', 'mall');
    await page.click('[data-testid="user-search"] button');
    const row = page.locator('[data-testid="users"] tbody tr', { hasText: 'mallory-target' });
    // The search's page replaces the first one (where mallory-target was already listed).
    await page.locator('[data-testid="users"] tbody tr', { hasText: 'alice-reader' }).waitFor({ state: 'detached' });
    await row.waitFor();
    expect(await page.locator('[data-testid="users"] tbody tr').count()).toBe(1);
    expect(await row.innerText()).toMatch(/mallory-target\s+mallory-target@example\.com\s+user\s+active/);
    await row.click();
    await page.locator('[data-testid="user-title"]', { hasText: 'mallory-target (active)' }).waitFor();
    await page.locator('[data-testid="sessions"] tbody tr', { hasText: 'password' }).waitFor();
    await page.locator('[data-testid="user-events"] tbody tr', { hasText: 'signin_failed' }).waitFor();
    await shot(page, 'admin-user.png');

    await page.click('[data-testid="toggle-disabled"]');
    await page.getByText('Disable: done.').waitFor();
    await page.locator('[data-testid="user-title"]', { hasText: 'mallory-target (disabled)' }).waitFor();
    // Disabling ends the sessions.
    await page.locator('[data-testid="sessions"] tbody tr', { hasText: 'No active session.' }).waitFor();
    // Her sign-in is refused now.
    expect((await api('/api/auth/signin', { username: 'mallory-target', password: 'correct-horse-42' })).status).toBe(403);

    // The audit log: events are written in batches, a moment after the request.
    await page.click('[data-tab="audit"]');
    await page.selectOption('[data-testid="audit-filter"] select', 'user_disabled');
    const disabledEvent = page.locator('[data-testid="audit"] tbody tr', { hasText: 'user_disabled' });
    for (let i = 0; i < 20 && (await disabledEvent.count()) === 0; i += 1) {
      await page.click('[data-testid="audit-filter"] button');
      await page.waitForTimeout(250);
    }
    expect(await disabledEvent.innerText()).toMatch(/user_disabled\s+admin [0-9a-f]{24}\s+mallory-target|user_disabled\s+admin [0-9a-f]{24}\s+[0-9a-f]{24}/);
    await page.selectOption('[data-testid="audit-filter"] select', '');
    await page.click('[data-testid="audit-filter"] button');
    await page.locator('[data-testid="audit"] tbody tr', { hasText: 'signin_succeeded' }).first().waitFor();
    await shot(page, 'admin-audit.png');

    // The chart's numbers: this hour holds the failed sign-in.
    await page.click('[data-tab="chart"]');
    await page.locator('[data-testid="chart"] rect').first().waitFor({ state: 'attached' });
    await page.click('[data-testid="chart-data"] >> xpath=..//summary');
    const thisHour = page.locator('[data-testid="chart-data"] tbody tr').first();
    const [, signins, failed] = (await thisHour.innerText()).split('\t');
    expect(Number(failed)).toBeGreaterThanOrEqual(1);
    expect(Number(signins)).toBeGreaterThanOrEqual(2);
    expect(await page.locator('[data-testid="chart"] rect[fill="#e63946"]').count()).toBeGreaterThanOrEqual(1);
    await shot(page, 'admin-chart.png');

    await page.click('[data-tab="users"]');
    await page.fill('[data-testid="user-search"] [name=q]', '');
    await page.click('[data-testid="user-search"] button');
    await page.locator('[data-testid="users"] tbody tr', { hasText: 'plain-user' }).waitFor();
    await shot(page, 'admin-users.png');

    // Reopened, the page signs in silently with the refresh-token cookie.
    await page.reload();
    await page.getByText(`Signed in as ${ADMIN.username}`).waitFor();
    await page.locator('[data-testid="console"]').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('tells a signed-in non-admin plainly that the console is for admins', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    await openConsole(page, errors);
    await signIn(page, 'plain-user', 'correct-horse-42');
    await page.getByText('This console is for admins. plain-user has ROLE_USER; ask an admin for the admin role.').waitFor();
    expect(await page.locator('[data-testid="console"]').isHidden()).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows what went wrong instead of swallowing it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await openConsole(page, []);
    await signIn(page, ADMIN.username, 'not-the-password');
    await page.locator('[data-testid="status"]', { hasText: 'Sign in: Invalid Password!' }).waitFor();
    await context.close();
  });
});
