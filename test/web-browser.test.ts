import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ROOT } from './helpers/app.js';
import { chromiumAvailable, launchChromium } from './helpers/browser.js';
import { INJECTED_TITLE, seededSite, type SeededSite } from './helpers/web-seed.js';
import { serveWeb } from './helpers/web-server.js';

const TOKEN = 'browser-admin-token-0123456789';
/** Screenshots are kept as test artifacts (gitignored), not committed. */
const ARTIFACTS = path.join(ROOT, 'test-artifacts');

describe.runIf(chromiumAvailable())('the stories in a real browser (Debian Chromium via playwright-core)', () => {
  let site: SeededSite;
  let web: Awaited<ReturnType<typeof serveWeb>>;
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];
  beforeAll(async () => {
    site = await seededSite();
    web = await serveWeb(site.app, { adminToken: TOKEN });
    browser = await launchChromium();
    // A phone's viewport: the page must read there.
    page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await site?.cleanup();
  });

  it('opens /, follows a story, checks its outlets and links, and keeps a screenshot', async () => {
    const front = await page.goto(web.url('/'));
    expect(front!.status()).toBe(200);
    expect(await page.locator('h1').textContent()).toBe('Patriot transfers and Ukraine air defense');
    // The stylesheet loaded under the CSP: the page is laid out for the phone.
    expect(await page.locator('body').evaluate((b) => getComputedStyle(b).maxWidth)).toBe('736px');
    expect(await page.locator('article.story').count()).toBe(2);
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-front.png'), fullPage: true });

    await page.getByRole('link', { name: 'Russian drones hit port infrastructure in Odesa overnight' }).click();
    await page.waitForURL(/\/stories\/\d+$/);
    expect(await page.locator('h1').textContent()).toBe('Russian drones hit port infrastructure in Odesa overnight');
    const outlets = page.locator('ul.outlets a');
    expect(await outlets.allTextContents()).toEqual(['Alpha News', 'Beta Wire']);
    const hrefs = await outlets.evaluateAll((links) => links.map((a) => (a as HTMLAnchorElement).href));
    expect(hrefs.every((h) => /^http:\/\/news\.example\/\d+$/.test(h))).toBe(true);
    expect(await page.locator('ol.articles > li').count()).toBe(2);
    expect(await page.locator('.why').first().textContent()).toContain('opened this story');
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-story.png'), fullPage: true });
  });

  it('shows an injected <script> headline as text and runs no script', async () => {
    await page.goto(web.url('/?day=2026-03-06'));
    const headline = page.locator('article.story h2 a', { hasText: 'Sweden' });
    expect(await headline.textContent()).toBe(INJECTED_TITLE);
    expect(await page.locator('script').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('the operator page refuses without the token and opens after the login form', async () => {
    const refused = await page.goto(web.url('/admin'));
    expect(refused!.status()).toBe(401);
    expect(await page.locator('table').count()).toBe(0);
    await page.locator('input[name=token]').fill('not-the-token-at-all');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.locator('.notice').textContent()).toBe('Wrong token.');
    await page.locator('input[name=token]').fill(TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/admin$/);
    expect(await page.locator('h1').textContent()).toBe('Operator');
    expect(await page.locator('#feeds').textContent()).toBe('Feeds (6)');
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-admin.png'), fullPage: true });
  });
});
