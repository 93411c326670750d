import type { BootstrapState, ResolvedIdentity } from '../provisioning/bootstrap-state';

/**
 * The one place that decides whether bootstrap has an identity: `ready` (online) or `offline-ready`
 * (the last good record). Every user of the device record, the target URL or the allowed origins
 * reads it through this function or the identity stream built on it, never by matching states itself.
 */
export function identityOf(state: BootstrapState): ResolvedIdentity | null {
  switch (state.kind) {
    case 'ready':
    case 'offline-ready':
      return state.identity;
    case 'seeking-seed':
    case 'authenticating':
    case 'identifying':
    case 'hydrating':
    case 'failed':
      return null;
    default:
      return unreachable(state);
  }
}

function unreachable(value: never): never {
  throw new Error(`unhandled bootstrap state ${JSON.stringify(value)}`);
}

/** Why there is no identity (yet): a typed code the splash, the CLI and the agent branch on, never a message to parse. */
export type NoIdentity =
  | { code: 'no-seed'; searched: string[] }
  | { code: 'waiting-for-seed'; folder: string; file: string; problem?: string }
  | { code: 'bootstrapping'; step: 'seeking-seed' | 'authenticating' | 'identifying' | 'hydrating' }
  | { code: 'failed'; reason: string; retryAt: string | null };

/** The identity stream's value: who this laptop is and where its kiosk goes, or why that is not known. */
export type IdentityView =
  ({ kind: 'identified'; online: boolean } & ResolvedIdentity) | { kind: 'none'; why: NoIdentity };

export interface IdentityStream {
  current(): IdentityView;
  /** Called with every new value (not with the current one); returns the unsubscribe function. */
  subscribe(listener: (view: IdentityView) => void): () => void;
}

export interface IdentityInputs {
  /** Whether the last seed lookup found nothing anywhere (recorded by the core's seed source, not read from a message). */
  seedMissing: boolean;
  searched: string[];
}

/** The stream's value for one bootstrap state. */
export function identityView(state: BootstrapState, inputs: IdentityInputs): IdentityView {
  const identity = identityOf(state);
  if (identity) return { kind: 'identified', online: state.kind === 'ready', ...identity };
  switch (state.kind) {
    case 'seeking-seed':
      if (state.waitingFor) {
        return {
          kind: 'none',
          why: { code: 'waiting-for-seed', ...state.waitingFor, ...(state.problem ? { problem: state.problem } : {}) },
        };
      }
      return { kind: 'none', why: { code: 'bootstrapping', step: state.kind } };
    case 'authenticating':
    case 'identifying':
    case 'hydrating':
      return { kind: 'none', why: { code: 'bootstrapping', step: state.kind } };
    case 'failed':
      if (state.failure.code === 'seed-missing')
        return { kind: 'none', why: { code: 'no-seed', searched: state.failure.searched } };
      if (inputs.seedMissing) return { kind: 'none', why: { code: 'no-seed', searched: inputs.searched } };
      return { kind: 'none', why: { code: 'failed', reason: state.reason, retryAt: state.retryAt } };
    case 'ready':
    case 'offline-ready':
      throw new Error('unreachable: identityOf answers for ready states');
    default:
      return unreachable(state);
  }
}

/** A stream over bootstrap's transitions: one subscription to bootstrap, fanned out to the core's users. */
export function createIdentityStream(
  bootstrap: { state(): BootstrapState; subscribe(listener: (state: BootstrapState) => void): () => void },
  inputs: () => IdentityInputs,
  /** A listener that throws must not keep the others from hearing of the change. */
  onListenerError: (err: unknown) => void = () => undefined,
): IdentityStream & { close(): void } {
  const listeners = new Set<(view: IdentityView) => void>();
  let view = identityView(bootstrap.state(), inputs());
  const stop = bootstrap.subscribe((state) => {
    view = identityView(state, inputs());
    for (const listener of [...listeners]) {
      try {
        listener(view);
      } catch (err) {
        onListenerError(err);
      }
    }
  });
  return {
    current: () => view,
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    close() {
      stop();
      listeners.clear();
    },
  };
}

/** The identity, or null: for readers that only need the record (launch's temp folder, the sender policy). */
export function identifiedOf(view: IdentityView): Extract<IdentityView, { kind: 'identified' }> | null {
  return view.kind === 'identified' ? view : null;
}

/** One line a person can act on, for logs and CLI output (consumers branch on `code`, never on this text). */
export function describeNoIdentity(why: NoIdentity, shown: (file: string) => string = (file) => file): string {
  switch (why.code) {
    case 'no-seed':
      return `no seed.json found${why.searched.length ? ` (looked at ${why.searched.map(shown).join(', ')})` : ''}; put one there or pass --seed <path>`;
    case 'waiting-for-seed':
      return `waiting for ${why.file} in ${shown(why.folder)}${why.problem ? ` (${why.problem})` : ''}`;
    case 'bootstrapping':
      return `bootstrap stopped while ${why.step}`;
    case 'failed':
      return why.reason;
    default:
      return unreachable(why);
  }
}
