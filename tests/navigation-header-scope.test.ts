import { describe, expect, it } from 'vitest';
import { createHeaderScope } from '../kiosk/header-scope';

const JWT = { Authorization: 'Bearer eyJ.x.y' };

describe('header scope: device credentials only for the exact API origin', () => {
  const scope = createHeaderScope('https://api.example-events.com/', () => JWT);

  it.each([
    ['https://api.example-events.com/v3/files/abc', true],
    ['https://API.example-events.com:443/v3', true],
    ['https://api.example-events.com.evil.test/v3', false],
    ['https://api.example-events.com@evil.test/', false],
    ['http://api.example-events.com/v3', false],
    ['https://api.example-events.com:8443/v3', false],
    ['https://evil.test/?u=https://api.example-events.com', false],
    ['wss://api.example-events.com/', false],
    ['data:text/plain,x', false],
    ['not a url', false],
  ] as const)('%s → credentials %s', (url, injected) => {
    const headers = scope.headersFor(url, { Accept: 'application/json' });
    expect('Authorization' in headers).toBe(injected);
    expect(headers.Accept).toBe('application/json');
  });

  it('refuses a non-https API origin', () => {
    expect(() => createHeaderScope('http://api.example-events.com', () => JWT)).toThrow(/https API origin/);
  });
});
