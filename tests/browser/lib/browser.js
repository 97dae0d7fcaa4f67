// Launch Debian's Chromium through playwright-core; screenshots on failure.

import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const artifactsDir = path.resolve(here, '..', 'artifacts');

export async function launchBrowser() {
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}: install it (apt-get install -y chromium) ` +
        'or point CHROMIUM at a Chromium executable. ' +
        '(No browser is downloaded: this suite uses playwright-core with the system browser.)',
    );
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A fresh context as a Japanese reader on a desktop screen. */
export function newJapaneseContext(browser) {
  return browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
}

/** A fresh context as a Japanese reader on a phone (390×844, touch). */
export function newPhoneContext(browser) {
  return browser.newContext({
    locale: 'ja-JP',
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
}

/** Save artifacts/<name>.png of a page; never throws. */
export async function screenshot(page, name) {
  if (!page || page.isClosed()) return null;
  try {
    await mkdir(artifactsDir, { recursive: true });
    const file = path.join(artifactsDir, `${name.replace(/[^\w.-]+/g, '_')}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  } catch {
    return null;
  }
}

/**
 * Run `fn`; when it throws, screenshot every given page (a function
 * returning {name: page}) before rethrowing.
 */
export async function withScreenshots(name, pages, fn) {
  try {
    return await fn();
  } catch (e) {
    for (const [label, page] of Object.entries(pages())) {
      const file = await screenshot(page, `${name}-${label}`);
      if (file) console.error(`screenshot: ${file}`);
    }
    throw e;
  }
}
