import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createLogger, redactText } from '../base/logger';
import { NavigationRefusedError } from '../apps/desktop/navigation-lock';
import { createNavigationPolicy } from '../kiosk/navigation-policy';

const API_KEY = 'ak_live_4f9c2e1b7d8a6f3e';
const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkYmdNV1MzS0VIRSIsImV4cCI6MTk5OTk5OTk5OX0.3q2-7w_yZ5lT0nXQYk9bS1bYkq1E4o2bN0cR8dW9xQk';

/** Writes through a file logger and returns the file once it holds `lines` lines (the destination is async). */
async function logLines(lines: number, write: (logger: ReturnType<typeof createLogger>) => void): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aether-redaction-'));
  try {
    const file = path.join(dir, 'app.log');
    const logger = createLogger({ file, level: 'debug', secrets: () => [API_KEY] });
    write(logger);
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    return await vi.waitFor(
      () => {
        const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
        expect(text.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(lines);
        return text;
      },
      { timeout: 10_000, interval: 25 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('no API key or JWT in any log line, whatever fails', () => {
  it('masks secrets in fields, nested headers, messages, errors, URLs and odd shapes', async () => {
    const text = await logLines(13, (log) => {
      log.info({ aether_api_key: API_KEY, token: JWT }, 'fields');
      log.info({ req: { headers: { 'x-api-key': API_KEY, authorization: `Bearer ${JWT}` } } }, 'headers');
      log.info({ deep: { a: { b: { c: { key: API_KEY, jwt: JWT } } } } }, 'deeply nested');
      log.warn(`identity exchange failed for key ${API_KEY} with ${JWT}`);
      log.warn({ url: `https://api.example-events.com/v3/files/x?token=${JWT}&key=${API_KEY}` }, 'refused');
      log.error({ err: new Error(`401 from API: X-Api-Key ${API_KEY} rejected, bearer ${JWT}`) }, 'api failure');
      log.error(
        {
          err: Object.assign(new Error('boom'), {
            config: { headers: { 'X-Api-Key': API_KEY } },
            stack: `Error: ${JWT}\n    at x`,
          }),
        },
        'error with extras',
      );
      log.error({ err: new AggregateError([new Error(`inner ${API_KEY}`)], `outer ${JWT}`) }, 'aggregate');
      log.error({ cause: new Error(`cause ${API_KEY}`) }, `wrapped ${JWT}`);
      log.info({ list: [API_KEY, { t: JWT }] }, 'arrays');
      log.info('printf %s and %o', API_KEY, { jwt: JWT });
      log.child({ seed: { aether_api_key: API_KEY } }).info({ Authorization: `Bearer ${JWT}` }, 'child');
      log.info(
        { map: new Map([['k', API_KEY]]), buffer: Buffer.from(JWT), cycle: { self: null as unknown } },
        'exotic',
      );
    });
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(JWT);
    expect(text).not.toContain(JWT.split('.')[1]);
  });

  it('a refused navigation carrying a token is logged and thrown without it', async () => {
    const policy = createNavigationPolicy({ allowedOrigins: ['https://summit.example-events.com'], packaged: true });
    const verdict = policy.decide(`https://evil.test/?jwt=${JWT}`);
    if (verdict.allow) throw new Error('expected a refusal');
    const error = new NavigationRefusedError(verdict);
    const text = await logLines(1, (log) => log.warn({ url: verdict.url, err: error }, error.message));
    expect(text).not.toContain(JWT);
    expect(redactText(error.message)).not.toContain(JWT);
  });
});
