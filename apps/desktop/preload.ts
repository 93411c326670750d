import { exposeElectronTRPC } from 'electron-trpc/main';

// The only thing the preload does: expose the bridge. Bundled, because sandboxed preloads cannot load npm modules.
exposeElectronTRPC();
