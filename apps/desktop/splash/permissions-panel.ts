import type { PermissionKind } from '../../../contracts/permissions';
import { startPermissionsStep, type PermissionRow, type PermissionsClient, type StepOutcome } from './permissions-step';

/**
 * The DOM of the splash's permissions step. "Continue without" is told to the main process through
 * `permissions.continueWithout` (a procedure only the splash may call); a granted set needs no
 * signal, the main process re-checks itself.
 */
export interface PermissionsPanelClient extends PermissionsClient {
  continueWithout(): Promise<unknown>;
}

const ACTION_LABEL = { ask: 'Allow…', 'open-settings': 'Open System Settings' } as const;

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text = '', className = ''): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.textContent = text;
  if (className) node.className = className;
  return node;
}

export function mountPermissionsPanel(
  root: HTMLElement,
  client: PermissionsPanelClient,
  onDone: (outcome: StepOutcome) => void = () => {},
): void {
  const list = element('ul');
  const problem = element('p', '', 'hint');
  const skip = element('button', 'Continue without');
  root.replaceChildren(element('h2', 'macOS permissions'), list, problem, skip);

  const act = (kind: PermissionKind) => {
    step.act(kind).catch((error: unknown) => (problem.textContent = `Could not ask macOS: ${String(error)}`));
  };
  const render = (rows: PermissionRow[]) => {
    root.hidden = rows.length === 0;
    list.replaceChildren(
      ...rows.map((row) => {
        const item = element('li');
        item.append(element('strong', `${row.label}: ${row.status}`));
        if (row.hint) item.append(element('p', row.hint, 'hint'));
        if (row.action) {
          const button = element('button', ACTION_LABEL[row.action]);
          button.addEventListener('click', () => act(row.kind));
          item.append(button);
        }
        return item;
      }),
    );
  };

  const step = startPermissionsStep({
    client,
    render,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    onError: (error) => (problem.textContent = `Permissions cannot be checked: ${String(error)}`),
  });
  skip.addEventListener('click', () => step.continueWithout());
  void step.done.then((outcome) => {
    root.hidden = true;
    if (outcome === 'continued-without') {
      client.continueWithout().catch((error: unknown) => {
        root.hidden = false;
        problem.textContent = `The app did not take "Continue without"; it opens the launcher by itself within 10 minutes. (${String(error)})`;
      });
    }
    onDone(outcome);
  });
}
