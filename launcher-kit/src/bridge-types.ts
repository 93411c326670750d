import type {
  CreateRouterInner,
  DefaultDataTransformer,
  DefaultErrorShape,
  Procedure,
  ProcedureParams,
  RootConfig,
} from '@trpc/server';
import type { Observable } from '@trpc/server/observable';

/**
 * The page-facing half of Aether Native's bridge, as types only. Written by hand, not derived from
 * the app's router, so nothing of the main process is reachable from the kit's declarations; the
 * app's test suite checks at compile time that its real router still fits this shape
 * (tests/launcher-kit-types.test.ts), so the two cannot drift apart unnoticed.
 */

export type Sha256 = string;

/** The device record as the bridge hands it to the page (CONTRACTS.md "Device record"). */
export interface BridgeDeviceRecord {
  event_device_id: string;
  name?: string | undefined;
  event_id: string;
  event_location_id: string;
  app_base_url: string;
  mode: 'default' | 'onsite' | 'native';
  check_event_loop_period: number;
  ui_refresh_period: number;
}

export interface BridgeDeviceInfo {
  device: BridgeDeviceRecord | null;
  paths: { cache: string; temp: string; logs: string };
  mode: 'native';
  appVersion: string;
}

export interface BridgeSession {
  token: string;
  expires_at: string;
}

/** Bootstrap states the page may show; only `kind` is promised, the rest is for display. */
export type BridgeBootstrapKind =
  'seeking-seed' | 'authenticating' | 'identifying' | 'hydrating' | 'ready' | 'offline-ready' | 'failed';

export interface BridgeDeviceStatus {
  state: { kind: BridgeBootstrapKind };
  api: string | null;
  connectivity: 'online' | 'offline' | 'unknown';
}

export type FailureReason =
  | 'not-found'
  | 'hash-mismatch'
  | 'size-mismatch'
  | 'unauthorized'
  | 'http-error'
  | 'network'
  | 'stalled'
  | 'no-space'
  | 'io-error'
  | 'not-listed';

/** One file in the app's cache (contracts/cache.ts FileStatus). */
export type CacheFileStatus =
  | { sha256: Sha256; state: 'present'; bytes: number; size: number }
  | { sha256: Sha256; state: 'missing'; bytes: 0; size: number | null }
  | { sha256: Sha256; state: 'queued'; bytes: 0; size: number | null }
  | {
      sha256: Sha256;
      state: 'downloading';
      bytes: number;
      size: number | null;
      lastError: { reason: FailureReason; message: string } | null;
    }
  | {
      sha256: Sha256;
      state: 'failed';
      bytes: 0;
      size: number | null;
      reason: FailureReason;
      message: string;
      permanent: boolean;
    };

export interface CacheTotals {
  files: number;
  present: number;
  missing: number;
  queued: number;
  downloading: number;
  failed: number;
  bytesPresent: number;
  bytesDownloading: number;
}

/**
 * One session of the event (contracts/cache.ts SessionReadiness): "show-ready" when every file is present
 * and verified; `at_risk_since` says since when a session starting within 30 minutes has not been.
 */
export interface CacheSessionReadiness {
  id: string;
  title: string | null;
  starts_at: string | null;
  ends_at: string | null;
  files: number;
  missing: number;
  ready: boolean;
  at_risk_since: string | null;
}

/** The cache's volume (contracts/cache.ts DiskReport); `freeBytes` is null when the system cannot say why `freeUnknown` names. */
export interface CacheDiskReport {
  freeBytes: number | null;
  freeUnknown: { reason: 'unsupported' | 'read-failed'; message: string } | null;
  minFreeBytes: number;
  cacheBytes: number;
  readAt: number | null;
}

export interface CacheStatusReport {
  files: CacheFileStatus[];
  totals: CacheTotals;
  sessions: CacheSessionReadiness[];
  disk: CacheDiskReport;
}

export interface CacheWantedFile {
  sha256: Sha256;
  size?: number | undefined;
  filename?: string | undefined;
}

export type CacheProgressEvent =
  { type: 'file'; status: CacheFileStatus } | { type: 'total'; totals: CacheTotals; sync: unknown };

export interface LaunchOpenResult {
  /** The sanitised name the local copy carries. */
  filename: string;
  copy: 'created' | 'reused' | 'refreshed';
}

type Config = RootConfig<{
  ctx: object;
  meta: object;
  errorShape: DefaultErrorShape;
  transformer: DefaultDataTransformer;
}>;
type Params<I, O> = ProcedureParams<Config, object, I, I, O, O, object>;
type Query<I, O> = Procedure<'query', Params<I, O>>;
type Mutation<I, O> = Procedure<'mutation', Params<I, O>>;
type Subscription<O> = Procedure<'subscription', Params<void, Observable<O, unknown>>>;
type Group<R extends Record<string, Procedure<'query' | 'mutation' | 'subscription', any>>> = CreateRouterInner<
  Config,
  R
>;

/** The procedures a launcher page calls (DESIGN §5), and only those. */
export type PageRouter = CreateRouterInner<
  Config,
  {
    device: Group<{
      get: Query<void, BridgeDeviceInfo>;
      session: Query<void, BridgeSession | null>;
      status: Query<void, BridgeDeviceStatus>;
      onStatus: Subscription<BridgeDeviceStatus>;
    }>;
    cache: Group<{
      status: Query<{ hashes: Sha256[] }, CacheStatusReport>;
      ensure: Mutation<{ files: CacheWantedFile[]; retryFailed?: boolean | undefined }, CacheStatusReport>;
      progress: Subscription<CacheProgressEvent>;
    }>;
    launch: Group<{
      /** The file by hash and/or event_file_id; the copy's name comes from the event's list in the main process (`filename` only picks among duplicates). */
      open: Mutation<
        { sha256?: Sha256 | undefined; event_file_id?: string | undefined; filename?: string | undefined },
        LaunchOpenResult
      >;
      closePresentations: Mutation<{ app: 'powerpoint' | 'keynote' | 'libreoffice' }, unknown>;
    }>;
  }
>;
