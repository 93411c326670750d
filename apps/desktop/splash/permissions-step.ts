import type { PermissionKind, PermissionReport, PermissionsOverview } from '../../../contracts/permissions';

/**
 * The splash's "check and prompt" step (DESIGN §10), without the DOM: walks the missing macOS
 * permissions through the `permissions` procedures, prompts once where macOS has a prompt, offers
 * System Settings where it has none, re-checks until everything is granted, and lets ops go on
 * without. Elsewhere `status()` is already complete (granted / not-applicable) and nothing shows.
 */

export interface PermissionsClient {
  status(): Promise<PermissionsOverview>;
  request(kind: PermissionKind): Promise<unknown>;
}

export type RowAction = 'ask' | 'open-settings' | null;

export interface PermissionRow {
  kind: PermissionKind;
  label: string;
  status: PermissionReport['status'];
  hint: string | null;
  action: RowAction;
}

export type StepOutcome = 'complete' | 'continued-without';

export interface PermissionsStepDeps {
  client: PermissionsClient;
  /** Called with the rows still missing on every check (empty once complete). */
  render(rows: PermissionRow[]): void;
  /** Resolves after `ms`; a test passes one it controls. */
  sleep(ms: number): Promise<void>;
  pollMs?: number;
  /** The bridge failed: the step ends as "continued without" after saying why. */
  onError(error: unknown): void;
}

export interface PermissionsStep {
  /** Resolves once everything is granted or ops continued without. */
  done: Promise<StepOutcome>;
  /** The button: `request(kind)` prompts or opens the right System Settings pane. */
  act(kind: PermissionKind): Promise<void>;
  continueWithout(): void;
}

const LABEL: Record<PermissionKind, string> = {
  camera: 'Camera',
  microphone: 'Microphone',
  screen: 'Screen Recording',
  accessibility: 'Accessibility',
  automation: 'Automation (PowerPoint, Keynote)',
};
/** Kinds macOS can ask about with a dialog; Screen Recording only has its Settings pane. */
const PROMPTABLE: ReadonlySet<PermissionKind> = new Set(['camera', 'microphone', 'accessibility', 'automation']);

const isSettled = (report: PermissionReport) => report.status === 'granted' || report.status === 'not-applicable';

export function rowsOf(overview: PermissionsOverview): PermissionRow[] {
  return overview.permissions
    .filter((report) => !isSettled(report))
    .map((report) => ({
      kind: report.kind,
      label: LABEL[report.kind],
      status: report.status,
      hint: report.hint,
      action:
        report.status === 'restricted'
          ? null
          : report.status === 'not-determined' && PROMPTABLE.has(report.kind)
            ? 'ask'
            : 'open-settings',
    }));
}

export function startPermissionsStep({
  client,
  render,
  sleep,
  pollMs = 2_000,
  onError,
}: PermissionsStepDeps): PermissionsStep {
  let finish: (outcome: StepOutcome) => void = () => {};
  let finished = false;
  const done = new Promise<StepOutcome>((resolve) => {
    finish = (outcome) => {
      if (finished) return;
      finished = true;
      resolve(outcome);
    };
  });

  const check = async (): Promise<PermissionsOverview> => {
    const overview = await client.status();
    if (!finished) render(rowsOf(overview));
    if (overview.complete) finish('complete');
    return overview;
  };

  const run = async () => {
    const first = await check();
    // One prompt per kind macOS can ask about, in order; the rest waits for a button.
    for (const row of rowsOf(first)) {
      if (finished) return;
      if (row.action === 'ask') await client.request(row.kind);
    }
    while (!finished) {
      await check();
      if (!finished) await sleep(pollMs);
    }
  };
  run().catch((error: unknown) => {
    onError(error);
    finish('continued-without');
  });

  return {
    done,
    async act(kind) {
      await client.request(kind);
      await check();
    },
    continueWithout: () => finish('continued-without'),
  };
}
