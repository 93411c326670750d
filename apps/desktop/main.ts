import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { app, BrowserWindow, desktopCapturer, ipcMain, Menu, net, powerSaveBlocker, safeStorage, session, shell, systemPreferences } from 'electron';
import { createLogger, type Logger } from '../../base/logger';
import { currentPlatform, platformPaths, type Platform, type PlatformPaths } from '../../base/platform';
import { startSimulator, type Simulator } from '../simulator/index';
import { execFileRunner } from '../../kiosk/presentation-apps';
import { createNavigationPolicy } from '../../kiosk/navigation-policy';
import { KIOSK_PARTITION } from '../../kiosk/window-policy';
import { BUILD_DEFAULT_API_URL } from '../../provisioning/api-defaults';
import { createBootstrap } from '../../provisioning/bootstrap';
import type { ResolvedIdentity } from '../../provisioning/bootstrap-state';
import { localHostname } from '../../provisioning/local-hostname';
import { seedFinder, seedSearchOrder, type SeedDiscoveryInput } from '../../provisioning/seed-discovery';
import { createStateStore } from '../../provisioning/state-store';
import { waitForSeed } from '../../provisioning/zero-touch';
import { createContextFactory, type SenderRole } from '../../router/context';
import { appRouter } from '../../router/index';
import { createSenderPolicy } from '../../router/sender-policy';
import { ArgumentError, parseDesktopArgs, type DesktopArgs } from './argv';
import { createBridgeHandler } from './bridge-handler';
import { openDesktopCache } from './cache-wiring';
import { pageFacingCache } from '../../cache/page-cache';
import { wireEventFiles } from './event-files-wiring';
import { installCrashRestart } from './crash-restart';
import { createDeviceService } from './device-service';
import { createFleetWiring, swapHandOver } from './fleet-wiring';
import { installUpdateMenu } from './update-menu';
import { installPageApiAuthIfConfigured } from './header-scope.electron';
import { createDesktopLaunchService } from './launch-wiring';
import { registerLoginItem } from './login-item';
import { installNavigationLock } from './navigation-lock';
import { createDesktopPermissionsService } from './permissions.electron';
import { createContinueSignal, waitForPermissions, withContinueWithout } from './permissions-gate';
import { chooseSecretStore } from './secret-store.electron';
import { createSeedSource } from './seed-source';
import { buildServices } from './services';
import { installShutdown } from './shutdown';
import { openSplashWindow } from './splash-window';
import { createRecoverySplash } from './recovery-splash';
import { installKioskSessionGuards, openWatchedKiosk } from './watched-kiosk';
import { startApp, type ReadyParts } from './startup';
import { healthMarkerOnFirstLoad, repairSwapAtStart } from './update-health';
import { installWindowLifecycle } from './window-lifecycle';

/** THE composition root (DESIGN §3): every module is built here, with its dependencies, once. */

interface Setup {
  args: DesktopArgs;
  platform: Platform;
  paths: PlatformPaths;
  packaged: boolean;
  dist: string;
  logger: Logger;
  secrets: string[];
}

function readSetup(): Setup {
  const args = parseDesktopArgs(process.argv.slice(1));
  const platform = currentPlatform();
  const paths = platformPaths({ platform });
  const packaged = app.isPackaged;
  const secrets: string[] = [];
  // Packaged: a file in the OS log folder; development: stdout.
  const logger = createLogger({ file: packaged ? path.join(paths.logDir, 'aether-native.log') : undefined, secrets: () => secrets });
  return { args, platform, paths, packaged, dist: path.join(app.getAppPath(), 'dist'), logger, secrets };
}

/** Everything that needs `app.whenReady()`: safeStorage, sessions, windows. */
async function prepare(setup: Setup): Promise<ReadyParts> {
  const { args, platform, paths, packaged, dist, logger } = setup;
  const preload = path.join(dist, 'preload.cjs');
  const splashFile = path.join(dist, 'splash', 'index.html');
  const secretStore = chooseSecretStore(path.join(paths.stateDir, 'secrets'), safeStorage, logger, platform);
  const discovery: SeedDiscoveryInput = { seedArg: args.seed, env: process.env, packaged, paths };
  const shutdown = installShutdown({ app, logger });
  const windows = installWindowLifecycle({ app, openWindowCount: () => BrowserWindow.getAllWindows().length, logger });
  await repairSwapAtStart({ packaged, stateDir: paths.stateDir, resourcesPath: process.resourcesPath, spawn, logger });

  // --- seed + bootstrap -------------------------------------------------------------------------
  let demoSimulator: Simulator | null = null;
  const findSeed = createSeedSource({
    demo: args.demo,
    packaged,
    discover: seedFinder(discovery, { logger, defaultApiUrl: BUILD_DEFAULT_API_URL }),
    startDemo: async () => {
      const launcherBundle = () => readFile(path.join(dist, 'demo', 'launcher.js'), 'utf8');
      const simulator = await startSimulator({ logger: logger.child({ module: 'simulator' }), launcherBundle });
      demoSimulator = simulator;
      return simulator.demoSeed();
    },
    stateDir: paths.stateDir,
    defaultApiUrl: BUILD_DEFAULT_API_URL,
    logger,
    onApiKey: (key) => setup.secrets.push(key),
  });
  const stateStore = createStateStore({ stateDir: paths.stateDir, logger });
  const hostnameOnce = localHostname({ platform, run: execFileRunner(), logger });
  const hostname = () => hostnameOnce;
  const bootstrap = createBootstrap({
    findSeed,
    searchOrder: seedSearchOrder(discovery),
    // Zero-touch provisioning (DESIGN §8): only a packaged app without a seed gets here.
    waitForSeed: async (report, signal) =>
      waitForSeed({
        shareCandidates: paths.shareCandidates,
        hostname: await hostname(),
        seedConfigPath: paths.seedConfigPath,
        defaultApiUrl: BUILD_DEFAULT_API_URL,
        logger,
        signal,
        onState: (state) => { if (state.kind === 'waiting') report({ folder: state.folder, file: state.file }, state.problem); },
      }),
    stateStore,
    secretStore: secretStore.store,
    logger,
  });
  const identity = () => {
    const state = bootstrap.state();
    return state.kind === 'ready' || state.kind === 'offline-ready' ? state.identity : null;
  };

  // --- build the services: cache and launch handover (DESIGN §6, §7) --------------------------
  const cacheWiring = await openDesktopCache({ defaultRoot: paths.cacheRoot, lastDevice: (await stateStore.load())?.device ?? null, bootstrap, logger });
  // The API's event file list is the authority for what the page may open and the cache keeps (issue 10).
  const eventFiles = wireEventFiles({ bootstrap, stateDir: paths.stateDir, cache: cacheWiring.cache, logger });
  const launch = createDesktopLaunchService({
    platform, cache: cacheWiring.cache, defaultTempRoot: paths.tempRoot, logger,
    device: () => identity()?.device ?? null,
    eventFiles: () => eventFiles.list.current(),
    refreshEventFiles: () => eventFiles.list.refresh(),
  });
  const pageCache = pageFacingCache({
    cache: cacheWiring.cache,
    eventFiles: () => eventFiles.list.current(),
    refreshEventFiles: () => eventFiles.list.refresh(),
    openHashes: () => launch.openHashes(),
  });
  const device = createDeviceService({
    bootstrap,
    paths: { cache: cacheWiring.root, temp: paths.tempRoot, logs: paths.logDir },
    appVersion: app.getVersion(),
    secretStorage: secretStore.note,
  });
  const senderPolicy = createSenderPolicy({ kioskOrigins: () => identity()?.allowedOrigins ?? [], splashUrl: new URL(`file://${splashFile}`).href });
  // --- fleet: updates from the share and the status file (DESIGN §8) -----------------------------
  const fleet = createFleetWiring({
    platform, paths, packaged, appVersion: app.getVersion(), exePath: app.getPath('exe'), env: process.env, logger,
    run: execFileRunner({ timeoutMs: 10 * 60_000 }), hostname, bootstrap,
    applyStagedUpdate: swapHandOver({ platform, stateDir: paths.stateDir, resourcesPath: process.resourcesPath, exePath: app.getPath('exe'), quit: () => app.quit(), logger }),
    cacheSummary: () => cacheWiring.summary(),
  });
  shutdown.add('cache progress', cacheWiring.cache.subscribe((event) => event.type === 'total' && fleet.refresh()));
  shutdown.add('fleet', () => fleet.close());
  shutdown.add('event files', () => eventFiles.close());
  shutdown.add('cache', () => cacheWiring.close());
  shutdown.add('bootstrap', () => bootstrap.stop());
  shutdown.add('simulator', () => demoSimulator?.close());
  fleet.start().catch((err: unknown) => logger.error({ err }, 'fleet: share watching could not start'));
  installUpdateMenu({ Menu, app, update: fleet.update, logger });
  const permissions = createDesktopPermissionsService({ platform, logger, systemPreferences, desktopCapturer, shell });
  const permissionsContinued = createContinueSignal();
  const services = buildServices({
    logger, senderPolicy, device,
    groups: { update: fleet.update, permissions: withContinueWithout(permissions, permissionsContinued), cache: pageCache, launch },
  });

  // --- the bridge -------------------------------------------------------------------------------
  const roles = new Map<number, SenderRole>();
  const createContext = createContextFactory({ services, roleOf: (id) => roles.get(id) ?? 'unknown', development: !packaged });
  const bridge = createBridgeHandler({ ipcMain, router: appRouter, createContext });
  const register = (window: BrowserWindow, role: SenderRole) => {
    roles.set(window.webContents.id, role);
    bridge.attachWindow(window);
  };

  // --- windows ----------------------------------------------------------------------------------
  const navigation = installNavigationLock({ app, logger, openExternal: (url) => shell.openExternal(url) });
  installKioskSessionGuards({ session, navigation, logger });
  registerLoginItem({ app, platform, packaged, logger });
  const recoverySplash = createRecoverySplash({ preload, splashFile, packaged, logger, register: (w) => register(w, 'splash') });
  let startupSplash: BrowserWindow | null = null;
  return {
    openSplash: () => (startupSplash = openSplashWindow({ preload, splashFile, packaged, register: (w) => register(w, 'splash') })),
    bootstrap,
    openKiosk: (target: ResolvedIdentity) => windows.switching(async () => {
      await waitForPermissions({ platform, permissions, continued: permissionsContinued, splash: startupSplash && !startupSplash.isDestroyed() ? startupSplash.webContents : null, logger });
      navigation.setPolicy(createNavigationPolicy({ allowedOrigins: target.allowedOrigins, packaged }));
      installPageApiAuthIfConfigured({ env: process.env, session: session.fromPartition(KIOSK_PARTITION), apiBaseUrl: target.api, deviceSession: () => device.session(), logger });
      const { kiosk, settled } = openWatchedKiosk(
        {
          app, powerSaveBlocker, platform, packaged, argv: process.argv, preload, logger, navigation, register: (w) => register(w, 'kiosk'), isOnline: () => net.isOnline(), splash: recoverySplash,
          onState: healthMarkerOnFirstLoad({ stateDir: paths.stateDir, version: app.getVersion(), logger }),
        },
        target.targetUrl,
      );
      await settled;
      return kiosk.window;
    }),
  };
}

function main(): void {
  let setup: Setup;
  try {
    setup = readSetup();
  } catch (err) {
    if (!(err instanceof ArgumentError)) throw err;
    process.stderr.write(`aether-native: ${err.message}\n`);
    app.exit(2);
    return;
  }
  installCrashRestart({ app, processEvents: process, packaged: setup.packaged, stateDir: setup.paths.stateDir, logger: setup.logger });
  startApp({ app, logger: setup.logger, prepare: () => prepare(setup) }).catch((err: unknown) => {
    setup.logger.fatal({ err }, 'Aether Native could not start');
    app.exit(1);
  });
}

main();
