import type { Logger } from 'pino';
import type { Platform } from '../base/platform';
import { type AutomationAction, type AutomationResult, runAutomation } from './automation';
import { type CacheLookup, createLaunchHandover, type LaunchRequest, type LaunchResult, type Opener } from './launch-handover';
import type { CommandRunner } from '../base/command-runner';
import { type CloseResult, closePresentationApp, type PresentationApp } from './presentation-apps';

export interface LaunchServiceDeps {
  platform: Platform;
  cache: CacheLookup;
  tempRoot: () => string;
  opener: Opener;
  /** execFileRunner() in the app; every platform's table is exercised on Linux through it. */
  run: CommandRunner;
  logger?: Logger;
}

/** The `launch` group's service contract (router/launch.ts serves it); declared here, next to its one implementation. */
export interface LaunchService {
  open(request: LaunchRequest): Promise<LaunchResult>;
  closePresentations(app: PresentationApp): Promise<CloseResult>;
  automation(action: AutomationAction): Promise<AutomationResult>;
}

/** The `launch` group's service, assembled from the three kiosk parts. */
export function createLaunchService(deps: LaunchServiceDeps): LaunchService {
  const handover = createLaunchHandover(deps);
  return {
    open: (request) => handover.open(request),
    closePresentations: (app) => closePresentationApp(deps, app),
    automation: (action) => runAutomation(deps, action),
  };
}
