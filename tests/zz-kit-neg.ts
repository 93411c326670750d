import type { inferRouterOutputs } from '@trpc/server';
import type { PageRouter } from '../launcher-kit/src/bridge-types';
import type { AppRouter } from '../router/index';
type Fits<A, B> = [A] extends [B] ? true : false;
const a: Fits<inferRouterOutputs<AppRouter>['device']['status'], inferRouterOutputs<PageRouter>['cache']['status']> = true;
const b: Fits<{ state: { kind: 'nope' }; api: null; connectivity: 'online' }, inferRouterOutputs<PageRouter>['device']['status']> = true;
export { a, b };
