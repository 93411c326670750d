import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  app,
  BrowserWindow,
  desktopCapturer,
  ipcMain,
  Menu,
  net,
  powerSaveBlocker,
  safeStorage,
  session,
  shell,
  systemPreferences,
} from 'electron';
import { execFileRunner } from '../../base/command-runner';
import { createLogger, type Logger } from '../../base/logger';
import { currentPlatform, platformPaths, type Platform, type PlatformPaths } from '../../base/platform';
import { type AetherCore, createAetherCore } from '../../core/create-core';
import { swapHandOver } from '../../core/fleet';
import { identifiedOf } from '../../core/identity';
import { createNavigationPolicy } from '../../kiosk/navigation-policy';
import { KIOSK_PARTITION } from '../../kiosk/window-policy';
import { BUILD_DEFAULT_API_URL } from '../../provisioning/api-defaults';
import type { ResolvedIdentity } from '../../provisioning/bootstrap-state';
import { createContextFactory, type SenderRole } from '../../router/context';
import { createPageLifetimes } from '../../router/page-lifetime';
import { appRouter } from '../../router/index';
import { createSenderPolicy } from '../../router/sender-policy';
import { startSimulator, type Simulator } from '../simulator/index';
import { ArgumentError, parseDesktopArgs, type DesktopArgs } from './argv';
import { createBridgeHandler } from './bridge-handler';
import { installCrashRestart } from './crash-restart';
import { installPageApiAuthIfConfigured } from './header-scope.electron';
import { registerLoginItem } from './login-item';
import { installNavigationLock } from './navigation-lock';
import { electronOpener } from './opener.electron';
import { createDesktopPermissionsService } from './permissions.electron';
import { createContinueSignal, waitForPermissions, withContinueWithout } from './permissions-gate';
import { createRecoverySplash } from './recovery-splash';
import { chooseSecretStore } from './secret-store.electron';
import { buildServices } from './services';
import { installShutdown, type Shutdown } from './shutdown';
import { openSplashWindow } from './splash-window';
import { startApp, type ReadyParts } from './startup';
import { installUpdateMenu } from './update-menu';
import { healthMarkerOnFirstLoad, repairSwapAtStart } from './update-health';
import { installKioskSessionGuards, openWatchedKiosk } from './watched-kiosk';
import { installWindowLifecycle } from './window-lifecycle';

/**
 * THE composition root of the app (DESIGN §3): build the core (core/create-core.ts), adapt Electron
 * (safeStorage, shell.openPath, systemPreferences, ipcMain), open windows. Everything that is not
 * Electron lives in the core, which the CLI and the headless agent build the same way.
 */

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
  const logger = createLogger({
    file: packaged ? path.join(paths.logDir, 'aether-native.log') : undefined,
    secrets: () => secrets,
  });
  return { args, platform, paths, packaged, dist: path.join(app.getAppPath(), 'dist'), logger, secrets };
}

/** The kiosk window once it is open: the room telemetry's screenshots capture it. */
let kioskWindow: BrowserWindow | null = null;

/** A low-resolution PNG of the kiosk (only when the device record asks for screenshots). */
async function captureKiosk(): Promise<Buffer | null> {
  if (!kioskWindow || kioskWindow.isDestroyed()) return null;
  const image = await kioskWindow.webContents.capturePage();
  return image.resize({ width: 480 }).toPNG();
}

/** The core (DESIGN §3) with Electron's parts: safeStorage for the JWT, shell.openPath for launches, the swap helper's quit. */
async function buildCore(setup: Setup, shutdown: Shutdown): Promise<AetherCore> {
  const { args, platform, paths, packaged, dist, logger } = setup;
  const secretStore = chooseSecretStore(path.join(paths.stateDir, 'secrets'), safeStorage, logger, platform);
  let demoSimulator: Simulator | null = null;
  const core = await createAetherCore({
    mode: 'run',
    platform,
    paths,
    env: process.env,
    packaged,
    logger,
    defaultApiUrl: BUILD_DEFAULT_API_URL,
    ...(args.seed ? { seedArg: args.seed } : {}),
    demo: args.demo,
    startDemo: async () => {
      const launcherBundle = () => readFile(path.join(dist, 'demo', 'launcher.js'), 'utf8');
      demoSimulator = await startSimulator({ logger: logger.child({ module: 'simulator' }), launcherBundle });
      return demoSimulator.demoSeed();
    },
    onApiKey: (key) => setup.secrets.push(key),
    appVersion: app.getVersion(),
    secretStore: secretStore.store,
    secretStorage: secretStore.note,
    opener: electronOpener(),
    captureScreen: captureKiosk,
    updates: {
      kind: 'install',
      exePath: app.getPath('exe'),
      applyStagedUpdate: swapHandOver({
        platform,
        stateDir: paths.stateDir,
        resourcesPath: process.resourcesPath,
        exePath: app.getPath('exe'),
        quit: () => app.quit(),
        logger,
      }),
    },
  });
  // In this order: the core's status file and cache close while the demo API is still there.
  shutdown.add('core', () => core.close());
  shutdown.add('simulator', () => demoSimulator?.close());
  return core;
}

/** Everything that needs `app.whenReady()`: safeStorage, sessions, windows. */
async function prepare(setup: Setup): Promise<ReadyParts> {
  const { platform, paths, packaged, dist, logger } = setup;
  const preload = path.join(dist, 'preload.cjs');
  const splashFile = path.join(dist, 'splash', 'index.html');
  const shutdown = installShutdown({ app, logger });
  const windows = installWindowLifecycle({ app, openWindowCount: () => BrowserWindow.getAllWindows().length, logger });
  await repairSwapAtStart({ packaged, stateDir: paths.stateDir, resourcesPath: process.resourcesPath, spawn, logger });

  // --- the core, and the groups only the edge can build ---------------------------------------
  const core = await buildCore(setup, shutdown);
  installUpdateMenu({ Menu, app, update: core.services.update, logger });
  // A minute for the Automation probe: macOS holds its Apple Event while its prompt waits for an answer.
  const permissions = createDesktopPermissionsService({
    platform,
    logger,
    systemPreferences,
    desktopCapturer,
    shell,
    run: execFileRunner({ timeoutMs: 60_000 }),
  });
  const permissionsContinued = createContinueSignal();
  const identified = () => identifiedOf(core.identity.current());
  const senderPolicy = createSenderPolicy({
    kioskOrigins: () => identified()?.allowedOrigins ?? [],
    splashUrl: new URL(`file://${splashFile}`).href,
  });
  const services = buildServices({
    logger,
    senderPolicy,
    core: core.services,
    permissions: withContinueWithout(permissions, permissionsContinued),
  });

  // --- the bridge -------------------------------------------------------------------------------
  const roles = new Map<number, SenderRole>();
  const pages = createPageLifetimes();
  const createContext = createContextFactory({
    services,
    roleOf: (id) => roles.get(id) ?? 'unknown',
    development: !packaged,
    pageGone: (id) => pages.signalOf(id),
  });
  const bridge = createBridgeHandler({ ipcMain, router: appRouter, createContext });
  const register = (window: BrowserWindow, role: SenderRole) => {
    const id = window.webContents.id;
    roles.set(id, role);
    bridge.attachWindow(window);
    // A launch.open waiting for a download stops waiting when its page goes away (issue 12).
    window.webContents.on('did-start-navigation', (details) => {
      if (details.isMainFrame && !details.isSameDocument) pages.ended(id);
    });
    window.webContents.once('destroyed', () => pages.ended(id));
  };

  // --- windows ----------------------------------------------------------------------------------
  const navigation = installNavigationLock({ app, logger, openExternal: (url) => shell.openExternal(url) });
  installKioskSessionGuards({ session, navigation, logger });
  registerLoginItem({ app, platform, packaged, logger });
  const recoverySplash = createRecoverySplash({
    preload,
    splashFile,
    packaged,
    logger,
    register: (w) => register(w, 'splash'),
  });
  let startupSplash: BrowserWindow | null = null;
  return {
    openSplash: () =>
      (startupSplash = openSplashWindow({ preload, splashFile, packaged, register: (w) => register(w, 'splash') })),
    start: () => core.start(),
    openKiosk: (target: ResolvedIdentity) =>
      windows.switching(async () => {
        await waitForPermissions({
          platform,
          permissions,
          continued: permissionsContinued,
          splash: startupSplash && !startupSplash.isDestroyed() ? startupSplash.webContents : null,
          logger,
        });
        navigation.setPolicy(createNavigationPolicy({ allowedOrigins: target.allowedOrigins, packaged }));
        installPageApiAuthIfConfigured({
          env: process.env,
          session: session.fromPartition(KIOSK_PARTITION),
          apiBaseUrl: target.api,
          deviceSession: () => core.session(),
          logger,
        });
        const { kiosk, settled } = openWatchedKiosk(
          {
            app,
            powerSaveBlocker,
            platform,
            packaged,
            argv: process.argv,
            preload,
            logger,
            navigation,
            register: (w) => register(w, 'kiosk'),
            isOnline: () => net.isOnline(),
            splash: recoverySplash,
            onState: healthMarkerOnFirstLoad({ stateDir: paths.stateDir, version: app.getVersion(), logger }),
          },
          target.targetUrl,
        );
        await settled;
        kioskWindow = kiosk.window;
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
  installCrashRestart({
    app,
    processEvents: process,
    packaged: setup.packaged,
    stateDir: setup.paths.stateDir,
    logger: setup.logger,
  });
  startApp({ app, logger: setup.logger, prepare: () => prepare(setup) }).catch((err: unknown) => {
    setup.logger.fatal({ err }, 'Aether Native could not start');
    app.exit(1);
  });
}

main();
