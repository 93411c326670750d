import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import type { PageRouter } from '../launcher-kit/src/bridge-types';
import type { AppRouter } from '../router/index';

/**
 * The kit declares the page-facing procedures by hand (so its package carries no main-process
 * type). These compile-time checks fail `tsc` the day the real router stops fitting them: every
 * output the app sends must be a value the kit's types accept, and every input the kit lets a page
 * send must be one the app accepts.
 */
type Real = inferRouterOutputs<AppRouter>;
type Kit = inferRouterOutputs<PageRouter>;
type RealIn = inferRouterInputs<AppRouter>;
type KitIn = inferRouterInputs<PageRouter>;

type Fits<A, B> = [A] extends [B] ? true : false;
const outputsFit: [
  Fits<Real['device']['get'], Kit['device']['get']>,
  Fits<Real['device']['session'], Kit['device']['session']>,
  Fits<Real['device']['status'], Kit['device']['status']>,
  Fits<Real['cache']['status'], Kit['cache']['status']>,
  Fits<Real['cache']['ensure'], Kit['cache']['ensure']>,
  Fits<Real['launch']['open'], Kit['launch']['open']>,
] = [true, true, true, true, true, true];
const inputsFit: [
  Fits<KitIn['cache']['status'], RealIn['cache']['status']>,
  Fits<KitIn['cache']['ensure'], RealIn['cache']['ensure']>,
  Fits<KitIn['launch']['open'], RealIn['launch']['open']>,
  Fits<KitIn['launch']['closePresentations'], RealIn['launch']['closePresentations']>,
] = [true, true, true, true];

describe('the launcher kit’s page router types', () => {
  it('fit the real router (checked by tsc; this only keeps the file a test)', () => {
    expect([...outputsFit, ...inputsFit].every(Boolean)).toBe(true);
  });
});
