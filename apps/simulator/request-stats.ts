/** Counts requests per path so tests can assert what a client asked for (e.g. one download per hash). */
export class RequestStats {
  private readonly seen: { path: string; at: number }[] = [];

  record(pathname: string, at = Date.now()): void {
    this.seen.push({ path: pathname, at });
  }

  requests(pathPrefix = ''): number {
    let count = 0;
    for (const r of this.seen) if (r.path.startsWith(pathPrefix)) count += 1;
    return count;
  }

  /** The requests under a prefix in arrival order, with their times (ms since epoch). */
  log(pathPrefix = ''): { path: string; at: number }[] {
    return this.seen.filter((r) => r.path.startsWith(pathPrefix));
  }
}
