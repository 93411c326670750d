import { describe, expect, it } from 'vitest';
import {
  createIdentityStream,
  describeNoIdentity,
  identityOf,
  identityView,
  type IdentityView,
} from '../core/identity';
import type { BootstrapState, ResolvedIdentity } from '../provisioning/bootstrap-state';
import { DEMO_DEVICE } from './fakes/services';

const identity: ResolvedIdentity = {
  seedPath: '/home/ops/seed.json',
  device: DEMO_DEVICE,
  siteDomain: null,
  allowedOrigins: ['https://summit.example-events.com'],
  targetUrl: 'https://summit.example-events.com/events/ev_2026_summit/launcher/loc_ballroom_a',
  api: 'https://api.example-events.com',
};
const found = { seedMissing: false, searched: ['/home/ops/seed.json', '/home/ops/.config/aether/seed.json'] };

describe('the one identity check', () => {
  it.each<[BootstrapState, ResolvedIdentity | null]>([
    [{ kind: 'ready', api: identity.api, identity }, identity],
    [
      {
        kind: 'offline-ready',
        identity,
        failure: { code: 'api-unreachable', api: null, detail: 'HTTP 503' },
        reason: 'HTTP 503',
        since: '2026-12-01T10:00:00Z',
      },
      identity,
    ],
    [{ kind: 'seeking-seed' }, null],
    [{ kind: 'authenticating', api: null }, null],
    [{ kind: 'identifying', api: identity.api }, null],
    [{ kind: 'hydrating', api: identity.api }, null],
    [{ kind: 'failed', failure: { code: 'unexpected', detail: 'no' }, reason: 'no', retryAt: null }, null],
  ])('%o has identity %#', (state, expected) => {
    expect(identityOf(state)).toBe(expected);
  });
});

describe('the identity stream value', () => {
  it('is identified online when ready and offline from the last good record', () => {
    expect(identityView({ kind: 'ready', api: identity.api, identity }, found)).toEqual({
      kind: 'identified',
      online: true,
      ...identity,
    });
    expect(
      identityView(
        {
          kind: 'offline-ready',
          identity,
          failure: { code: 'api-unreachable', api: null, detail: 'x' },
          reason: 'x',
          since: 'y',
        },
        found,
      ),
    ).toEqual({ kind: 'identified', online: false, ...identity });
  });

  it('gives a typed reason for every state without an identity', () => {
    const none = (state: BootstrapState, inputs = found) =>
      (identityView(state, inputs) as Extract<IdentityView, { kind: 'none' }>).why;
    expect(none({ kind: 'seeking-seed' })).toEqual({ code: 'bootstrapping', step: 'seeking-seed' });
    expect(
      none({
        kind: 'seeking-seed',
        waitingFor: { folder: '/share/seeds', file: 'seed_lectern-a.json' },
        problem: 'not JSON',
      }),
    ).toEqual({ code: 'waiting-for-seed', folder: '/share/seeds', file: 'seed_lectern-a.json', problem: 'not JSON' });
    expect(none({ kind: 'authenticating', api: null })).toEqual({ code: 'bootstrapping', step: 'authenticating' });
    expect(none({ kind: 'identifying', api: 'a' })).toEqual({ code: 'bootstrapping', step: 'identifying' });
    expect(none({ kind: 'hydrating', api: 'a' })).toEqual({ code: 'bootstrapping', step: 'hydrating' });
    expect(
      none({
        kind: 'failed',
        failure: { code: 'api-unauthorized', api: null, why: 'bad-key', detail: 'HTTP 401' },
        reason: 'HTTP 401',
        retryAt: '2026-12-01T10:00:05Z',
      }),
    ).toEqual({ code: 'failed', reason: 'HTTP 401', retryAt: '2026-12-01T10:00:05Z' });
    // "No seed" comes from the seed source's own record, whatever the failure's text says.
    expect(
      none(
        {
          kind: 'failed',
          failure: { code: 'unexpected', detail: 'anything at all' },
          reason: 'anything at all',
          retryAt: null,
        },
        { ...found, seedMissing: true },
      ),
    ).toEqual({ code: 'no-seed', searched: found.searched });
  });

  it('says each reason in one line a person can act on', () => {
    const home = (file: string) => file.replace('/home/ops', '~');
    expect(describeNoIdentity({ code: 'no-seed', searched: found.searched }, home)).toBe(
      'no seed.json found (looked at ~/seed.json, ~/.config/aether/seed.json); put one there or pass --seed <path>',
    );
    expect(
      describeNoIdentity(
        { code: 'waiting-for-seed', folder: '/home/ops/admin_share/seeds', file: 'seed_a.json' },
        home,
      ),
    ).toBe('waiting for seed_a.json in ~/admin_share/seeds');
    expect(describeNoIdentity({ code: 'bootstrapping', step: 'hydrating' })).toBe('bootstrap stopped while hydrating');
    expect(describeNoIdentity({ code: 'failed', reason: 'HTTP 401', retryAt: null })).toBe('HTTP 401');
  });
});

describe('the identity stream', () => {
  it("starts from bootstrap's current state, follows its transitions, and stops following when closed", () => {
    let state: BootstrapState = { kind: 'authenticating', api: null };
    const listeners = new Set<(s: BootstrapState) => void>();
    const bootstrap = {
      state: () => state,
      subscribe: (l: (s: BootstrapState) => void) => (listeners.add(l), () => void listeners.delete(l)),
    };
    const publish = (next: BootstrapState) => {
      state = next;
      for (const l of listeners) l(next);
    };
    const stream = createIdentityStream(bootstrap, () => found);
    const seen: IdentityView[] = [];
    const stop = stream.subscribe((v) => seen.push(v));
    expect(stream.current()).toEqual({ kind: 'none', why: { code: 'bootstrapping', step: 'authenticating' } });
    publish({ kind: 'ready', api: identity.api, identity });
    expect(stream.current()).toMatchObject({ kind: 'identified', online: true, targetUrl: identity.targetUrl });
    expect(seen).toHaveLength(1);
    stop();
    publish({
      kind: 'offline-ready',
      identity,
      failure: { code: 'api-unreachable', api: null, detail: 'x' },
      reason: 'x',
      since: 'y',
    });
    expect(seen).toHaveLength(1);
    expect(stream.current()).toMatchObject({ kind: 'identified', online: false });
    stream.close();
    expect(listeners.size).toBe(0);
  });

  it('tells every listener of a change even when one of them throws, and reports the throw', () => {
    let publish: (s: BootstrapState) => void = () => undefined;
    const bootstrap = {
      state: (): BootstrapState => ({ kind: 'seeking-seed' }),
      subscribe: (l: (s: BootstrapState) => void) => ((publish = l), () => undefined),
    };
    const errors: unknown[] = [];
    const stream = createIdentityStream(
      bootstrap,
      () => found,
      (err) => errors.push(err),
    );
    const heard: string[] = [];
    stream.subscribe(() => {
      throw new Error('listener bug');
    });
    stream.subscribe((v) => heard.push(v.kind));
    publish({ kind: 'ready', api: identity.api, identity });
    expect(heard).toEqual(['identified']);
    expect(errors).toEqual([new Error('listener bug')]);
  });
});
