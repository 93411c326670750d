import type { Logger } from '../../base/logger';
import type { DeviceRecord, EventFile, SiteDomain } from '../../contracts/api';
import type { ServedDevice } from './api-routes';
import type { DemoSeed } from './demo-data';
import type { FaultControls } from './faults';
import type { FileSpec } from './file-store';

export interface SimulatorOptions {
  /** 0 (default) picks a free port. The server listens on 127.0.0.1 only. */
  port?: number;
  /** The key `POST /v3/auth/device` and the file route accept; default DEMO_API_KEY. */
  apiKey?: string;
  /** Lifetime of issued JWTs; default 3600. Whole seconds (JWT `exp` has one-second resolution). */
  jwtTtlSeconds?: number;
  logger?: Logger;
  /** Replaces the demo files (generated from a seed, or streamed from disk). */
  files?: FileSpec[];
  /** Extra device records served as they are: they may deliberately fail the DeviceRecord schema. */
  devices?: ServedDevice[];
  /** Lets `GET /v3/crud/event_device/{id}` answer without a bearer token (some deployments do). */
  allowAnonymousDeviceRead?: boolean;
  /**
   * Where the demo launcher's script comes from; default: compiled from the Svelte sources on first
   * request. The bundled desktop app passes the copy `npm run build` wrote, as it ships no compiler.
   */
  launcherBundle?: () => Promise<string>;
  /**
   * Launcher list refresh periods in seconds (CONTRACTS.md "Refresh periods per mode"): served as
   * the site domain's `refresh_periods`, and `native` as the demo device's `ui_refresh_period`.
   * Default 60 / 15 / 5; tests shorten them.
   */
  refreshPeriods?: { default: number; onsite: number; native: number };
  /**
   * Serve a launcher built elsewhere from this folder instead of the demo launcher (`index.html` at
   * every launcher URL, assets under `/_app/`), e.g. the SvelteKit example's `build/`.
   */
  launcherDir?: string;
  /** The demo device's `check_event_loop_period` in seconds; default 15. */
  checkEventLoopPeriod?: number;
}

export interface Simulator {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  port: number;
  apiKey: string;
  /** The records served at start; files added later are not in `demo.files`. */
  demo: { device: DeviceRecord; siteDomain: SiteDomain; files: EventFile[] };
  /** A seed.json for the demo device pointing at this simulator. */
  demoSeed(overrides?: Partial<DemoSeed>): DemoSeed;
  faults: FaultControls;
  stats: { requests(pathPrefix?: string): number; log(pathPrefix?: string): { path: string; at: number }[] };
  addFile(spec: FileSpec): Promise<EventFile>;
  close(): Promise<void>;
}
