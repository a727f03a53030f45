import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

// The system's Chromium (Debian's `chromium`; CHROMIUM_PATH to override) for the browser
// tests. Without one they are skipped locally, but CI must have it.
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
  .filter((p): p is string => Boolean(p))
  .find((p) => existsSync(p));
if (!CHROMIUM && process.env.CI === 'true') throw new Error('CI needs Chromium for the browser tests (apt-get install chromium)');

export const describeBrowser = CHROMIUM ? describe : describe.skip;

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
