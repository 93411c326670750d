import { describe, expect, it } from 'vitest';
import { createNavigationPolicy, type RefusalReason } from '../kiosk/navigation-policy';
import { canonicalOrigin, createOriginAllowList, isSameOrigin, MAX_URL_LENGTH, webOriginOf } from '../kiosk/origins';

const LAUNCHER = 'https://summit.example-events.com';
const ALLOWED = [
  LAUNCHER,
  'https://assets.example-events.com:8443',
  'http://127.0.0.1:4010',
  'http://summit-dev.example-events.com',
];

type Expected = 'allow' | RefusalReason;

/** [url, verdict in the packaged app, verdict in development] */
const TABLE: ReadonlyArray<readonly [string, Expected, Expected]> = [
  ['https://summit.example-events.com/events/ev/launcher/loc', 'allow', 'allow'],
  ['https://summit.example-events.com', 'allow', 'allow'],
  ['https://SUMMIT.Example-Events.com/Path?q=1#h', 'allow', 'allow'],
  ['https://summit.example-events.com:443/x', 'allow', 'allow'],
  ['https://assets.example-events.com:8443/deck.png', 'allow', 'allow'],
  ['https://assets.example-events.com/deck.png', 'foreign-origin', 'foreign-origin'],
  ['https://summit.example-events.com.evil.test/', 'foreign-origin', 'foreign-origin'],
  ['https://summit.example-events.com.', 'foreign-origin', 'foreign-origin'],
  ['https://summit.example-events.com../', 'foreign-origin', 'foreign-origin'],
  ['https://evil.test/summit.example-events.com', 'foreign-origin', 'foreign-origin'],
  ['https://evil.test/?next=https://summit.example-events.com', 'foreign-origin', 'foreign-origin'],
  ['https://xsummit.example-events.com/', 'foreign-origin', 'foreign-origin'],
  ['https://sub.summit.example-events.com/', 'foreign-origin', 'foreign-origin'],
  ['https://summit.example-events.co/', 'foreign-origin', 'foreign-origin'],
  ['https://summit.example-events.com@evil.test/', 'credentials-in-url', 'credentials-in-url'],
  ['java\nscript:alert(1)', 'unparsable', 'unparsable'],
  ['https://summit.example-events.com\t.evil.test/', 'unparsable', 'unparsable'],
  ['https://good@evil.test/', 'credentials-in-url', 'credentials-in-url'],
  ['https://user:pw@summit.example-events.com/', 'credentials-in-url', 'credentials-in-url'],
  ['https://evil.test\\@summit.example-events.com/', 'foreign-origin', 'foreign-origin'],
  ['https://summit.example-events.com:8443/', 'foreign-origin', 'foreign-origin'],
  ['https://summit.example-events.com:444/', 'foreign-origin', 'foreign-origin'],
  ['http://summit.example-events.com/', 'insecure-http', 'insecure-http'],
  ['http://summit-dev.example-events.com/', 'insecure-http', 'insecure-http'],
  ['wss://summit.example-events.com/', 'scheme-not-allowed', 'scheme-not-allowed'],
  ['ftp://summit.example-events.com/', 'scheme-not-allowed', 'scheme-not-allowed'],
  ['javascript:alert(document.domain)', 'scheme-not-allowed', 'scheme-not-allowed'],
  ['JaVaScRiPt:alert(1)', 'scheme-not-allowed', 'scheme-not-allowed'],
  ['data:text/html,<script>alert(1)</script>', 'scheme-not-allowed', 'scheme-not-allowed'],
  ['file:///etc/passwd', 'scheme-not-allowed', 'scheme-not-allowed'],
  ['file://summit.example-events.com/share', 'scheme-not-allowed', 'scheme-not-allowed'],
  ['about:blank', 'scheme-not-allowed', 'scheme-not-allowed'],
  ['about:srcdoc', 'scheme-not-allowed', 'scheme-not-allowed'],
  ['blob:https://summit.example-events.com/0b1c-uuid', 'scheme-not-allowed', 'scheme-not-allowed'],
  ['chrome://gpu', 'scheme-not-allowed', 'scheme-not-allowed'],
  ['devtools://devtools/bundled/inspector.html', 'scheme-not-allowed', 'scheme-not-allowed'],
  ['view-source:https://summit.example-events.com/', 'scheme-not-allowed', 'scheme-not-allowed'],
  ['https://summіt.example-events.com/', 'foreign-origin', 'foreign-origin'],
  ['https://xn--summt-q2e.example-events.com/', 'foreign-origin', 'foreign-origin'],
  ['https://ѕummit.example-events.com/', 'foreign-origin', 'foreign-origin'],
  ['https://summit.example-events.com%2eevil.test/', 'foreign-origin', 'foreign-origin'],
  ['//summit.example-events.com/', 'unparsable', 'unparsable'],
  ['/events/ev/launcher/loc', 'unparsable', 'unparsable'],
  ['', 'unparsable', 'unparsable'],
  ['   ', 'unparsable', 'unparsable'],
  ['https://', 'unparsable', 'unparsable'],
  ['http://127.0.0.1:4010/events/ev/launcher/loc', 'insecure-http', 'allow'],
  ['http://127.0.0.1:4011/', 'insecure-http', 'foreign-origin'],
  ['http://localhost:4010/', 'insecure-http', 'foreign-origin'],
  ['http://2130706433:4010/', 'insecure-http', 'allow'],
  ['http://[::1]:4010/', 'insecure-http', 'foreign-origin'],
  ['https://127.0.0.1:4010/', 'foreign-origin', 'foreign-origin'],
  ['http://127.0.0.1.evil.test:4010/', 'insecure-http', 'insecure-http'],
  ['\u0000https://summit.example-events.com/', 'unparsable', 'unparsable'],
  [' https://summit.example-events.com/ ', 'allow', 'allow'],
  ['https://summit.example-events.com/\u202e/moc.live', 'allow', 'allow'],
];

describe('navigation policy: the table of hostile and friendly URLs', () => {
  const packaged = createNavigationPolicy({ allowedOrigins: ALLOWED, packaged: true });
  const development = createNavigationPolicy({ allowedOrigins: ALLOWED, packaged: false });
  const verdict = (policy: typeof packaged, url: string): Expected => {
    const v = policy.decide(url);
    return v.allow ? 'allow' : v.reason;
  };

  it('has at least 30 rows', () => expect(TABLE.length).toBeGreaterThanOrEqual(30));

  it.each(TABLE)('%s → packaged %s, development %s', (url, inPackaged, inDevelopment) => {
    expect(verdict(packaged, url)).toBe(inPackaged);
    expect(verdict(development, url)).toBe(inDevelopment);
  });

  it('never allows an origin outside the allow list, whatever the row says', () => {
    for (const [url] of TABLE) {
      const v = development.decide(url);
      if (v.allow) expect(ALLOWED).toContain(new URL(v.url).origin);
    }
  });
});

describe('navigation policy: inputs that are not URLs', () => {
  const policy = createNavigationPolicy({ allowedOrigins: [LAUNCHER], packaged: true });
  it.each([null, undefined, 42, {}, { toString: () => LAUNCHER }, [LAUNCHER]])('refuses %s', (input) => {
    expect(policy.decide(input)).toMatchObject({ allow: false, reason: 'unparsable' });
  });

  it('refuses an overlong URL on the allowed origin and logs only its start', () => {
    const long = `${LAUNCHER}/${'a'.repeat(MAX_URL_LENGTH)}`;
    const v = policy.decide(long);
    expect(v).toMatchObject({ allow: false, reason: 'unparsable' });
    expect(v.url.length).toBeLessThan(400);
  });
});

describe('navigation policy: the OS-browser option', () => {
  it('is off by default', () => {
    const v = createNavigationPolicy({ allowedOrigins: [LAUNCHER], packaged: true }).decide(
      'https://docs.example.org/a',
    );
    expect(v).toEqual({
      allow: false,
      reason: 'foreign-origin',
      url: 'https://docs.example.org/a',
      openExternally: null,
    });
  });

  it('hands refused http(s) links to the OS browser when configured, never other schemes or credentials', () => {
    const policy = createNavigationPolicy({
      allowedOrigins: [LAUNCHER],
      packaged: true,
      openRefusedLinksExternally: true,
    });
    expect(policy.decide('https://docs.example.org/a?b=1')).toMatchObject({
      openExternally: 'https://docs.example.org/a?b=1',
    });
    expect(policy.decide('http://docs.example.org/')).toMatchObject({
      reason: 'insecure-http',
      openExternally: 'http://docs.example.org/',
    });
    for (const url of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://server/share',
      'https://a:b@docs.example.org/',
      'ms-settings:privacy',
    ]) {
      expect(policy.decide(url)).toMatchObject({ allow: false, openExternally: null });
    }
  });
});

describe('allow list construction', () => {
  it('drops http origins from the packaged allow list and keeps loopback http in development', () => {
    expect(createNavigationPolicy({ allowedOrigins: ALLOWED, packaged: true }).allowList.origins).toEqual([
      LAUNCHER,
      'https://assets.example-events.com:8443',
    ]);
    expect(createNavigationPolicy({ allowedOrigins: ALLOWED, packaged: false }).allowList.origins).toContain(
      'http://127.0.0.1:4010',
    );
  });

  it('rejects configured entries that are not bare origins instead of widening the list', () => {
    const list = createOriginAllowList([
      LAUNCHER,
      `${LAUNCHER}/`,
      'https://summit.example-events.com/events',
      'https://user@summit.example-events.com',
      'https://summit.example-events.com?x',
      'https://summit.example-events.com#x',
      '*.example-events.com',
      'summit.example-events.com',
      'file:///',
      '',
    ]);
    expect(list.origins).toEqual([LAUNCHER]);
    expect(list.rejected).toHaveLength(8);
    expect(list.allows('https://summit.example-events.com/events/x')).toBe(true);
    expect(list.allows('https://evil.example-events.com/')).toBe(false);
  });
});

describe('origin helpers used by the bridge sender check', () => {
  it('compares exact origins', () => {
    expect(isSameOrigin('https://summit.example-events.com/a', 'https://summit.example-events.com:443/b')).toBe(true);
    expect(isSameOrigin('https://summit.example-events.com', 'https://summit.example-events.com.evil.test')).toBe(
      false,
    );
    expect(isSameOrigin('https://summit.example-events.com', 'http://summit.example-events.com')).toBe(false);
    expect(isSameOrigin('null', 'null')).toBe(false);
    expect(isSameOrigin('file:///a', 'file:///a')).toBe(false);
  });

  it('has no web origin for opaque schemes', () => {
    expect(webOriginOf('data:text/html,x')).toBeNull();
    expect(webOriginOf('about:blank')).toBeNull();
    expect(webOriginOf('https://a.test/x')).toBe('https://a.test');
    expect(canonicalOrigin('https://a.test:443/')).toBe('https://a.test');
    expect(canonicalOrigin('https://a.test/x')).toBeNull();
  });
});
