/** Counts requests per path so tests can assert what a client asked for (e.g. one download per hash). */
export class RequestStats {
  private readonly paths: string[] = [];

  record(pathname: string): void {
    this.paths.push(pathname);
  }

  requests(pathPrefix = ''): number {
    let count = 0;
    for (const p of this.paths) if (p.startsWith(pathPrefix)) count += 1;
    return count;
  }
}
