import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../../base/logger';
import { handleApi, type ApiState, type ServedDevice } from './api-routes';
import { DeviceTokens } from './auth';
import { lazyLauncherBundle } from './demo-page/bundle';
import { handleDemoPage } from './demo-page/page-routes';
import { handleStaticLauncher } from './demo-page/static-launcher';
import { DEMO_API_KEY, DEMO_REFRESH_PERIODS, demoDevice, demoFiles, demoSiteDomain, type DemoSeed } from './demo-data';
import { FaultInjector } from './faults';
import { FileStore } from './file-store';
import { writeError } from './http-json';
import { PageSessions } from './page-sessions';
import { RequestStats } from './request-stats';
import type { Simulator, SimulatorOptions } from './types';

export type { Simulator, SimulatorOptions } from './types';
export type { FaultControls, FaultSpec } from './faults';
export type { DiskFileSpec, FileSpec, GeneratedFileSpec } from './file-store';
export type { ServedDevice } from './api-routes';
export type { DemoSeed } from './demo-data';
export {
  DEMO_API_KEY,
  DEMO_DEVICE_ID,
  DEMO_EVENT_ID,
  DEMO_LOCATION_ID,
  DEMO_FILES,
  DEMO_REFRESH_PERIODS,
  demoFiles,
} from './demo-data';
export { PAGE_SESSION_COOKIE } from './page-sessions';
export { contentDisposition } from './file-route';
export { FileStoreError } from './file-store';

const LOOPBACK = '127.0.0.1';

/** Starts the Aether V3 API simulator on loopback (CONTRACTS.md "Aether V3 API"). */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`port must be an integer 0-65535, got ${port}`);
  const logger = options.logger ?? silentLogger();
  const apiKey = options.apiKey ?? DEMO_API_KEY;
  const tokens = new DeviceTokens(options.jwtTtlSeconds ?? 3600);
  const faults = new FaultInjector();
  const stats = new RequestStats();
  const launcherBundle = lazyLauncherBundle(options.launcherBundle);
  const pageSessions = new PageSessions();

  let state: ApiState | null = null;
  const server = createServer({ keepAlive: true }, (req, res) => {
    void handleRequest(req, res).catch((err: unknown) => {
      logger.error({ err, path: req.url }, 'simulator: request failed');
      if (!res.headersSent) writeError(res, 500, 'internal simulator error');
      else res.destroy();
    });
  });

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    stats.record(url.pathname);
    res.on('finish', () =>
      logger.debug({ method: req.method, path: url.pathname, status: res.statusCode }, 'simulator request'),
    );
    if (await faults.apply(`${url.pathname}${url.search}`, req, res)) return;
    if (!state) return writeError(res, 503, 'simulator is starting');
    if (await handleApi(req, res, url, state)) return;
    if (options.launcherDir !== undefined) {
      if (await handleStaticLauncher(req, res, url, options.launcherDir, pageSessions)) return;
    } else if (await handleDemoPage(req, res, url, launcherBundle, pageSessions)) return;
    writeError(res, 404, `no route for ${req.method ?? 'GET'} ${url.pathname}`);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  const url = `http://${LOOPBACK}:${actualPort}`;

  try {
    const periods = options.refreshPeriods ?? DEMO_REFRESH_PERIODS;
    const device = demoDevice(url, {
      ui_refresh_period: periods.native,
      check_event_loop_period: options.checkEventLoopPeriod ?? 15,
    });
    const siteDomain = demoSiteDomain(url, periods);
    const files = new FileStore(device.event_id);
    for (const spec of options.files ?? demoFiles()) await files.add(spec);
    const devices = new Map<string, ServedDevice>([[device.event_device_id, device]]);
    for (const extra of options.devices ?? []) devices.set(extra.event_device_id, extra);
    state = {
      apiKey,
      tokens,
      devices,
      siteDomains: [siteDomain],
      files,
      allowAnonymousDeviceRead: options.allowAnonymousDeviceRead ?? false,
      pageSessions,
    };
    logger.info({ url }, 'simulator listening');

    return {
      url,
      port: actualPort,
      apiKey,
      demo: { device, siteDomain, files: files.list() },
      demoSeed: (overrides: Partial<DemoSeed> = {}): DemoSeed => ({
        event_device_id: device.event_device_id,
        primary_api_base_url: url,
        backup_api_base_url: null,
        onsite_api_base_url: null,
        aether_api_key: apiKey,
        ...overrides,
      }),
      faults,
      stats: { requests: (prefix?: string) => stats.requests(prefix), log: (prefix?: string) => stats.log(prefix) },
      addFile: (spec) => files.add(spec),
      close: () => closeServer(server, logger),
    };
  } catch (err) {
    await closeServer(server, logger);
    throw err;
  }
}

function closeServer(server: ReturnType<typeof createServer>, logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => {
      logger.info('simulator closed');
      resolve();
    });
    server.closeAllConnections();
  });
}
