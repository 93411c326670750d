/**
 * The update state machine's states (issue 5): idle → seen → waiting-for-payload → verifying →
 * staged → applying, or failed with a reason. `update.status`, `update.events`, the splash, the
 * "Check for Updates…" menu item and the fleet status file all show the current one.
 */
export type UpdateState =
  | { kind: 'idle'; note?: string }
  | { kind: 'seen'; version: string; notes?: string }
  | { kind: 'waiting-for-payload'; version: string; file: string; have: number; need: number }
  | { kind: 'verifying'; version: string; file: string }
  | { kind: 'staged'; version: string; stagedPath: string; notes?: string }
  | { kind: 'applying'; version: string }
  | { kind: 'failed'; reason: string; version?: string };

export type UpdateStateKind = UpdateState['kind'];

export interface UpdateStatus {
  appVersion: string;
  state: UpdateState;
}
