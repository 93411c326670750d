import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import type { BrowserContext, Page } from 'playwright-core';
import { silentLogger } from '../../base/logger';
import { createBridgeHandler } from '../../apps/desktop/bridge-handler';
import { createDeviceService, sessionOf } from '../../core/device-service';
import { createIdentityStream } from '../../core/identity';
import type { Simulator } from '../../apps/simulator/index';
import { createBootstrap, type Bootstrap } from '../../provisioning/bootstrap';
import type { ResolvedIdentity } from '../../provisioning/bootstrap-state';
import { MemorySecretStore } from '../../provisioning/secret-store';
import { createStateStore } from '../../provisioning/state-store';
import { createContextFactory } from '../../router/context';
import { appRouter } from '../../router/index';
import { createSenderPolicy } from '../../router/sender-policy';
import type { Services } from '../../router/services';
import { ipcMain, resetFakeElectron } from '../fakes/electron';
import type { RendererEndpoint } from '../fakes/ipc-channel';
import { bridgePage } from '../fakes/page-bridge';
import { fakeServices } from '../fakes/services';

/** What a suite may build its own services from: the bootstrap has reached ready. */
export interface DemoBridgeParts {
  bootstrap: Bootstrap;
  identity: ResolvedIdentity;
  workDir: string;
  logger: Logger;
}

export interface DemoBridgeOptions {
  simulator: Simulator;
  kioskWebContentsId: number;
  /** Replaces the default services (a real device service over the bootstrap, the bootstrap's silent logger). */
  services?: (parts: DemoBridgeParts) => Partial<Services> | Promise<Partial<Services>>;
}

export interface DemoBridge extends DemoBridgeParts {
  launcherUrl: string;
  /** Connects a Chromium page to the real router as the renderer `webContentsId` (default: the kiosk). */
  bridge(context: BrowserContext, page: Page, webContentsId?: number): Promise<RendererEndpoint>;
  close(): Promise<void>;
}

/**
 * The real router as main.ts wires it: a real bootstrap run to ready against the simulator's demo
 * seed, the real sender policy over its origins, and the real electron-trpc handler on a fresh fake
 * ipcMain. Only the window with `kioskWebContentsId` has the kiosk role.
 */
export async function startDemoBridge({
  simulator,
  kioskWebContentsId,
  services,
}: DemoBridgeOptions): Promise<DemoBridge> {
  resetFakeElectron();
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'aether-demo-bridge-'));
  const seedPath = path.join(workDir, 'seed.json');
  await writeFile(seedPath, JSON.stringify(simulator.demoSeed()));
  const logger = silentLogger();
  const bootstrap = createBootstrap({
    discovery: {
      seedArg: seedPath,
      env: {},
      packaged: true,
      paths: { devSeedPath: path.join(workDir, 'none.json'), seedConfigPath: path.join(workDir, 'none.json') },
    },
    defaultApiUrl: simulator.url,
    stateStore: createStateStore({ stateDir: path.join(workDir, 'state'), logger }),
    secretStore: new MemorySecretStore(),
    logger,
  });
  const close = async () => {
    await bootstrap.stop();
    await rm(workDir, { recursive: true, force: true });
  };
  const ready = await bootstrap.run();
  if (ready.kind !== 'ready') {
    await close();
    throw new Error(`bootstrap did not reach ready: ${JSON.stringify(ready)}`);
  }
  const { identity } = ready;
  const parts: DemoBridgeParts = { bootstrap, identity, workDir, logger };
  const chosen = (await services?.(parts)) ?? {};
  const device =
    chosen.device ??
    createDeviceService({
      bootstrap,
      identity: createIdentityStream(bootstrap, () => ({ seedMissing: false, searched: [] })),
      session: () => sessionOf(bootstrap),
      paths: {
        cache: path.join(workDir, 'cache'),
        temp: path.join(workDir, 'launch'),
        logs: path.join(workDir, 'logs'),
      },
      appVersion: '0.1.0',
      secretStorage: { encrypted: true, backend: 'gnome_libsecret', note: 'test' },
    });
  const senderPolicy = createSenderPolicy({
    kioskOrigins: () => identity.allowedOrigins,
    splashUrl: 'file:///app/dist/splash/index.html',
  });
  const createContext = createContextFactory({
    services: fakeServices({ logger, senderPolicy, ...chosen, device }),
    roleOf: (id) => (id === kioskWebContentsId ? 'kiosk' : 'unknown'),
    development: false,
  });
  createBridgeHandler({ ipcMain: ipcMain as never, router: appRouter, createContext });
  return {
    ...parts,
    launcherUrl: identity.targetUrl,
    bridge: (context, page, webContentsId = kioskWebContentsId) => bridgePage(context, page, ipcMain, webContentsId),
    close,
  };
}
