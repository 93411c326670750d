import path from 'node:path';

/**
 * A folder named by the device record (`local_file_cache_path`, `host_file_temp_path`), else the
 * platform default. The record comes from the API, so only an absolute folder below a file-system
 * root is taken: never `/` or `C:\` itself, which the cache's gc or the launch copies would fill.
 */
export function deviceFolder(configured: unknown, platformDefault: string): string {
  if (typeof configured !== 'string' || !path.isAbsolute(configured)) return platformDefault;
  const resolved = path.resolve(configured);
  return resolved === path.parse(resolved).root ? platformDefault : resolved;
}

export function cacheRootOf(
  device: Readonly<Record<string, unknown>> | null | undefined,
  platformDefault: string,
): string {
  return deviceFolder(device?.local_file_cache_path, platformDefault);
}
