import { statSync, promises as fsp } from 'node:fs';

/**
 * The file-system calls the cache makes, passed in so tests can count them (an idle sync tick must
 * make none) or fail them on purpose (ENOSPC). Production passes `node:fs/promises` itself, plus
 * `statSync`: opening a store stats every entry, and a sync stat costs a fraction of an awaited one
 * (openStore runs them in bounded chunks that yield to the event loop).
 */
export type CacheFs = Pick<
  typeof fsp,
  'readdir' | 'stat' | 'open' | 'rename' | 'rm' | 'mkdir' | 'readFile' | 'appendFile' | 'writeFile'
> & { statSync: typeof statSync };

export const nodeCacheFs: CacheFs = {
  readdir: fsp.readdir,
  stat: fsp.stat,
  open: fsp.open,
  rename: fsp.rename,
  rm: fsp.rm,
  mkdir: fsp.mkdir,
  readFile: fsp.readFile,
  appendFile: fsp.appendFile,
  writeFile: fsp.writeFile,
  statSync,
};
