import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium); .ci/run installs it when missing. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Whether the browser tests can run here. Under CI a missing Chromium is a failure, not a skip
 * (the test asserts it); elsewhere the tests are skipped with one line saying why.
 */
export function chromiumAvailable(): boolean {
  const found = existsSync(CHROMIUM);
  if (!found && process.env.CI !== 'true') console.log(`browser tests skipped: ${CHROMIUM} not found (apt-get install chromium)`);
  return found || process.env.CI === 'true';
}

/**
 * Headless Chromium with nothing of its own going on (no sync, updates or QUIC probes that would
 * reach out); Playwright gives each launch a fresh temporary profile, removed on close.
 */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: the browser test needs Debian's chromium (apt-get install chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
