import type { LauncherFile } from './event-files.js';
import type { FileState } from './file-state.js';

/** Where a driver reads and writes the page's per-file state (the launcher's store). */
export interface StateBook {
  get(sha256: string): FileState | undefined;
  set(sha256: string, state: FileState): void;
}

/** One mode's file behaviour behind one shape, so the page never branches on the mode. */
export interface ModeDriver {
  /** The label of each file's one button. */
  readonly actionLabel: string;
  /** The name a click produces, to show before the click (e.g. `Keynote.pptxwin`). */
  savedName(file: LauncherFile): string;
  /** The page's list was (re)loaded. */
  onList(files: readonly LauncherFile[]): Promise<void>;
  /** The file's button was clicked. Never throws: failures land in the file's state. */
  run(file: LauncherFile): Promise<void>;
  stop(): void;
}
