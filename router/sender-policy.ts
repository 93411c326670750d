import { createOriginAllowList, webOriginOf } from '../kiosk/origins';
import type { SenderPolicy } from './sender-check';
import type { SenderInfo } from './trpc';

export interface SenderPolicyOptions {
  /**
   * Origins the kiosk page may call from. A getter, because bootstrap hydrates them (site domain)
   * after the bridge is already listening.
   */
  kioskOrigins: () => readonly string[];
  /**
   * The splash page's own URL (a file: URL of dist/splash/index.html). file: origins are opaque
   * (every local file shares "file://"), so the splash is matched by its exact document URL
   * (query and fragment ignored), on top of being the splash window's main frame.
   */
  splashUrl: string;
}

function documentUrl(value: string): string | null {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return null;
  }
}

/** Who may use the bridge (DESIGN §5, §9): the kiosk's launcher page and the app's own splash page. */
export function createSenderPolicy({ kioskOrigins, splashUrl }: SenderPolicyOptions): SenderPolicy {
  const splashDocument = documentUrl(splashUrl);
  return {
    isAllowed(sender: SenderInfo): boolean {
      if (!sender.isMainFrame) return false;
      if (sender.role === 'kiosk') {
        // The one origin parser (kiosk/origins.ts), as the navigation lock uses it: http(s) only, exact origins.
        const origin = webOriginOf(sender.origin);
        if (origin === null || webOriginOf(sender.url) !== origin) return false;
        return createOriginAllowList(kioskOrigins()).allows(origin);
      }
      if (sender.role === 'splash') return splashDocument !== null && documentUrl(sender.url) === splashDocument;
      return false;
    },
  };
}
