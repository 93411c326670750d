/** @aether/launcher-kit: the page-side half of the AE Events Launcher (DESIGN §2). */
export { detectMode, type PageMode, type PageGlobal, type DetectModeOptions } from './mode.js';
export {
  createNativeClient,
  bridgeErrorCode,
  NotInNativeModeError,
  type NativeClient,
  type BridgeInputs,
  type BridgeOutputs,
} from './native-client.js';
export type * from './bridge-types.js';
export { createLauncher, type Launcher, type LauncherOptions, type ListStatus } from './launcher.js';
export { LauncherBackgroundSync } from './background-sync.js';
export { OfflineMirror, MIRROR_DB_NAME, MIRROR_SCHEMA_VERSION } from './offline-mirror.js';
export { RefreshTimer, documentVisibility, type VisibilityHost } from './refresh-timer.js';
export { DEFAULT_REFRESH_SECONDS, refreshSeconds } from './periods.js';
export {
  groupBySession,
  syncOrder,
  placeFromPath,
  parseEventFile,
  parseEventFileList,
  type LauncherFile,
  type SessionGroup,
} from './event-files.js';
export { type FileState, type TotalProgress } from './file-state.js';
export { readableSize, ago, onsiteName } from './format.js';
