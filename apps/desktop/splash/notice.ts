/**
 * The renderer watchdog's notice (apps/desktop/recovery-splash.ts puts it in the query string):
 * "no network" or the error after the reload limit, with a countdown to the next automatic retry.
 */
export interface SplashNotice {
  message: string;
  retryAt: number | null;
}

export function readNotice(search: string): SplashNotice | null {
  const params = new URLSearchParams(search);
  const message = params.get('notice');
  if (!message) return null;
  const retryAt = Number(params.get('retryAt'));
  return { message, retryAt: Number.isFinite(retryAt) && retryAt > 0 ? retryAt : null };
}

export function countdownText(retryAt: number | null, now: number): string {
  if (retryAt === null) return '';
  const seconds = Math.max(0, Math.ceil((retryAt - now) / 1000));
  return seconds > 0 ? `Retrying in ${seconds} s.` : 'Retrying now…';
}

/** Shows the notice and ticks the countdown once a second; returns a function that stops it. */
export function showNotice(
  notice: SplashNotice,
  show: (text: string, more: string) => void,
  now: () => number = Date.now,
): () => void {
  const render = () => show(notice.message, countdownText(notice.retryAt, now()));
  render();
  const timer = setInterval(render, 1000);
  return () => clearInterval(timer);
}
