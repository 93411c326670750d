// What `npm start` and `npm run dist` say when a download they need fails: one plain explanation and
// the way forward, instead of a raw `TypeError: fetch failed` or a stack trace.

/** Error texts of a download that never reached its server (Node, got, @electron/get, Go's net package). */
const NETWORK_FAILURE =
  /fetch failed|ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|getaddrinfo|socket hang up|dial tcp|no such host|i\/o timeout|network is unreachable|connection refused/i;

export function isNetworkFailure(text) {
  return NETWORK_FAILURE.test(text);
}

/** Where a download was going: the mirror the user set, or the default the tool uses. */
export function downloadSource(env, mirrorVariable, fallback) {
  return env[mirrorVariable] ? `${mirrorVariable}=${env[mirrorVariable]}` : fallback;
}

export const SEE_WITHOUT_ELECTRON =
  'To see the app without Electron: run `npx aether-native simulate` and open the "Launcher page" URL it ' +
  'prints in a browser (the launcher runs in its browser mode there; the native bridge needs Electron).';

/** The first line that says what went wrong, without stack frames or electron-builder's stackTrace field. */
export function firstReason(text) {
  const line = text.split('\n').find((candidate) => candidate.trim() && !/^\s+at /.test(candidate)) ?? '';
  return line
    .replace(/^\s*⨯\s*/, '')
    .replace(/\s+failedTask=.*$/, '')
    .trim();
}
