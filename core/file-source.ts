import type { FileSource } from '../cache/file-source';
import { type Bootstrap, BootstrapNotReadyError } from '../provisioning/bootstrap';

/**
 * File bytes come from the API the device bootstrapped against, with the device's JWT (renewed by
 * bootstrap when near expiry). The API key never leaves provisioning/. Before bootstrap has a seed
 * there is nowhere to download from, so the list of bases is empty. The app, the agent and the
 * CLI's `prefetch`/`cache` all download through this one source.
 */
export function bootstrapFileSource(bootstrap: Pick<Bootstrap, 'api' | 'session'>): FileSource {
  return {
    baseUrls: () => {
      try {
        return bootstrap.api().baseUrls();
      } catch (err) {
        if (err instanceof BootstrapNotReadyError) return [];
        throw err;
      }
    },
    headers: async () => ({ authorization: `Bearer ${(await bootstrap.session()).token}` }),
  };
}
