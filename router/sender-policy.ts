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

/** `URL.origin` of a string, or null when it does not parse or has an opaque origin. */
function originOf(value: string): string | null {
  try {
    const origin = new URL(value).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
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
        const origin = originOf(sender.origin);
        if (origin === null || originOf(sender.url) !== origin) return false;
        return kioskOrigins().some((allowed) => originOf(allowed) === origin);
      }
      if (sender.role === 'splash') return splashDocument !== null && documentUrl(sender.url) === splashDocument;
      return false;
    },
  };
}
