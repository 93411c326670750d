import os from 'node:os';
import path from 'node:path';

/** The platform is chosen once, here, and passed on as a value (DESIGN §3). */
export type Platform = 'darwin' | 'linux' | 'win32';

export function currentPlatform(): Platform {
  const p = process.platform;
  return p === 'darwin' || p === 'win32' ? p : 'linux';
}

/** The CPU architecture builds are chosen by (`arm64`, `x64`, ...), read once like the platform. */
export function currentArch(): string {
  return process.arch;
}

export interface PlatformPaths {
  /** OS config path of the seed (DESIGN §4 step 2). */
  seedConfigPath: string;
  /** Development-only seed location (`~/seed.json`). */
  devSeedPath: string;
  /** Default root of the content-addressed cache (DESIGN §6). */
  cacheRoot: string;
  /** Where launch copies live; same volume as the cache so a copy can be a clone. */
  tempRoot: string;
  /** Where the app's log files go. */
  logDir: string;
  /** Where the last good device record and other app state are kept. */
  stateDir: string;
  /** Share roots to try, in order (DESIGN §8). */
  shareCandidates: string[];
}

export interface PathInputs {
  platform: Platform;
  home?: string;
  env?: Record<string, string | undefined>;
}

/** Every per-OS folder of the app, computed from the platform value alone so each branch is testable on Linux. */
export function platformPaths({ platform, home = os.homedir(), env = process.env }: PathInputs): PlatformPaths {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const shareCandidates = [
    ...(env.AETHER_SHARE ? [env.AETHER_SHARE] : []),
    p.join(home, 'admin_share'),
    p.join(home, 'Sync', 'admin_share'),
  ];
  const devSeedPath = p.join(home, 'seed.json');
  if (platform === 'darwin') {
    const support = p.join(home, 'Library', 'Application Support', 'Aether');
    const cacheRoot = p.join(home, 'Library', 'Caches', 'Aether');
    return {
      seedConfigPath: p.join(support, 'seed.json'),
      devSeedPath,
      cacheRoot,
      tempRoot: p.join(cacheRoot, 'launch'),
      logDir: p.join(home, 'Library', 'Logs', 'Aether'),
      stateDir: p.join(support, 'state'),
      shareCandidates,
    };
  }
  if (platform === 'win32') {
    const appData = env.APPDATA ?? p.join(home, 'AppData', 'Roaming');
    const localAppData = env.LOCALAPPDATA ?? p.join(home, 'AppData', 'Local');
    const cacheRoot = p.join(localAppData, 'Aether', 'Cache');
    return {
      seedConfigPath: p.join(appData, 'Aether', 'seed.json'),
      devSeedPath,
      cacheRoot,
      tempRoot: p.join(localAppData, 'Aether', 'Launch'),
      logDir: p.join(localAppData, 'Aether', 'Logs'),
      stateDir: p.join(appData, 'Aether', 'state'),
      shareCandidates,
    };
  }
  const config = env.XDG_CONFIG_HOME ?? p.join(home, '.config');
  const cache = env.XDG_CACHE_HOME ?? p.join(home, '.cache');
  const state = env.XDG_STATE_HOME ?? p.join(home, '.local', 'state');
  const cacheRoot = p.join(cache, 'aether');
  return {
    seedConfigPath: p.join(config, 'aether', 'seed.json'),
    devSeedPath,
    cacheRoot,
    tempRoot: p.join(cacheRoot, 'launch'),
    logDir: p.join(state, 'aether', 'logs'),
    stateDir: p.join(state, 'aether'),
    shareCandidates,
  };
}
