import { chromium, type Browser } from 'playwright-core';

// Debian's package: no test downloads a browser (tests/README.md). AETHER_CHROMIUM points elsewhere
// (macOS: /Applications/Chromium.app/Contents/MacOS/Chromium), as `npm run setup:test` says.
const CHROMIUM_PATH = process.env.AETHER_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** Headless Chromium for the suites that drive real pages. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}
