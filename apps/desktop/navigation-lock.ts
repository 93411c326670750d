import type { App, WebContents } from 'electron';
import type { Logger } from 'pino';
import { createNavigationPolicy, type NavigationPolicy, type NavigationVerdict } from '../../kiosk/navigation-policy';

/**
 * Applies the navigation policy (kiosk/navigation-policy.ts) to every webContents the app ever
 * creates (`web-contents-created`), so no window, frame, popup or webview escapes it.
 */

export class NavigationRefusedError extends Error {
  override readonly name = 'NavigationRefusedError';
  constructor(readonly verdict: Extract<NavigationVerdict, { allow: false }>) {
    super(`Refused to load ${verdict.url}: ${verdict.reason}.`);
  }
}

export interface NavigationLockDeps {
  app: Pick<App, 'on'>;
  logger: Logger;
  /** Opens a refused http(s) link in the OS browser (shell.openExternal); used only when the policy says so. */
  openExternal: (url: string) => Promise<void>;
}

export interface NavigationLock {
  /** Replaces the policy once the identity (and so the allowed origins) is known. */
  setPolicy(policy: NavigationPolicy): void;
  policy(): NavigationPolicy;
  /** Every loadURL of a remote page goes through here: validate, then load. */
  load(contents: Pick<WebContents, 'loadURL'>, url: string): Promise<void>;
  /** Installs the guards on one webContents (done for all of them by `web-contents-created`). */
  guard(contents: WebContents): void;
}

/** Until bootstrap knows the site domain nothing remote is allowed. */
const NOTHING_ALLOWED = createNavigationPolicy({ allowedOrigins: [], packaged: true });

export function installNavigationLock({ app, logger, openExternal }: NavigationLockDeps): NavigationLock {
  let current = NOTHING_ALLOWED;
  const guarded = new WeakSet<object>();

  const refuse = (verdict: Extract<NavigationVerdict, { allow: false }>, via: string) => {
    logger.warn({ url: verdict.url, reason: verdict.reason, via }, 'navigation refused');
    if (verdict.openExternally) {
      openExternal(verdict.openExternally).catch((error: unknown) =>
        logger.warn({ err: error, url: verdict.url }, 'refused link could not be opened in the browser'),
      );
    }
  };

  const check = (url: unknown, via: string, prevent: () => void, report = true) => {
    const verdict = current.decide(url);
    if (verdict.allow) return;
    prevent();
    // Only a link the user followed may go to the OS browser, never a server redirect.
    if (report) refuse(via === 'will-redirect' ? { ...verdict, openExternally: null } : verdict, via);
  };

  const guard = (contents: WebContents) => {
    if (guarded.has(contents)) return;
    guarded.add(contents);
    contents.on('will-navigate', (event) => check(event.url, 'will-navigate', () => event.preventDefault()));
    // Main-frame navigations also raise will-navigate, which reports them; this one covers sub frames.
    contents.on('will-frame-navigate', (event) =>
      check(event.url, 'will-frame-navigate', () => event.preventDefault(), !event.isMainFrame),
    );
    contents.on('will-redirect', (event) => check(event.url, 'will-redirect', () => event.preventDefault()));
    contents.on('will-attach-webview', (event) => {
      event.preventDefault();
      logger.warn('webview refused');
    });
    contents.on('select-bluetooth-device', (event, _devices, callback) => {
      event.preventDefault();
      callback('');
    });
    contents.setWindowOpenHandler(({ url }) => {
      const verdict = current.decide(url);
      // Even an allowed origin never gets a second window: the kiosk is one page.
      refuse(
        verdict.allow ? { allow: false, reason: 'foreign-origin', url: verdict.url, openExternally: null } : verdict,
        'window-open',
      );
      return { action: 'deny' };
    });
  };

  app.on('web-contents-created', (_event, contents) => guard(contents));

  return {
    setPolicy(policy) {
      current = policy;
    },
    policy: () => current,
    async load(contents, url) {
      const verdict = current.decide(url);
      if (!verdict.allow) {
        refuse({ ...verdict, openExternally: null }, 'loadURL');
        throw new NavigationRefusedError(verdict);
      }
      await contents.loadURL(verdict.url);
    },
    guard,
  };
}
