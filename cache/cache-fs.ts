import { promises as fsp } from 'node:fs';

/**
 * The file-system calls the cache makes, passed in so tests can count them (an idle sync tick must
 * make none) or fail them on purpose (ENOSPC). Production passes `node:fs/promises` itself.
 */
export type CacheFs = Pick<
  typeof fsp,
  'readdir' | 'stat' | 'open' | 'rename' | 'rm' | 'mkdir' | 'readFile' | 'appendFile' | 'writeFile'
>;

export const nodeCacheFs: CacheFs = fsp;
