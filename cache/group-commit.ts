import type { Logger } from 'pino';

export interface GroupCommitDeps {
  /** Makes the renames done in one folder durable (fsync of the folder). */
  syncFolder(dir: string): Promise<void>;
  /** Appends journal lines (one call per group). */
  appendJournal(lines: string): Promise<void>;
  logger: Logger;
}

interface Waiter {
  dir: string;
  line: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for renames into the store. Each commit waits for its shard folder's fsync, but the
 * commits that arrive while a group is being synced wait together for the next group: one fsync per
 * distinct folder and one journal append per group instead of two syscall rounds per file. Nothing
 * waits for a timer: a lone commit is synced at once.
 *
 * The journal lines of a group are appended after its folders are synced, so a line may lag its
 * rename; a crash in between leaves a whole, verified file at its final name with no line, which the
 * store re-hashes at start before trusting it (verified-journal.ts). A failed append is logged, not
 * fatal, for the same reason.
 */
export class GroupCommit {
  private queue: Waiter[] = [];
  private running = false;

  constructor(private readonly deps: GroupCommitDeps) {}

  /** Resolves once the rename just done in `dir` is durable; rejects when the folder sync failed. */
  commit(dir: string, line: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ dir, line, resolve, reject });
      if (!this.running) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0) {
      const group = this.queue;
      this.queue = [];
      await this.syncGroup(group);
    }
    this.running = false;
  }

  private async syncGroup(group: Waiter[]): Promise<void> {
    const folders = new Map<string, Promise<{ failed: false } | { failed: true; err: unknown }>>();
    for (const { dir } of group) {
      if (folders.has(dir)) continue;
      folders.set(
        dir,
        this.deps.syncFolder(dir).then(
          () => ({ failed: false as const }),
          (err: unknown) => ({ failed: true as const, err }),
        ),
      );
    }
    const failures = new Map<string, unknown>();
    for (const [dir, outcome] of folders) {
      const result = await outcome;
      if (result.failed) failures.set(dir, result.err);
    }
    const durable = group.filter((w) => !failures.has(w.dir));
    if (durable.length > 0) {
      await this.deps.appendJournal(durable.map((w) => w.line).join('')).catch((err: unknown) => {
        this.deps.logger.warn(
          { err, entries: durable.length },
          'cache: journal append failed; those entries are re-hashed at the next start',
        );
      });
    }
    for (const waiter of group) {
      if (failures.has(waiter.dir)) waiter.reject(failures.get(waiter.dir));
      else waiter.resolve();
    }
  }
}
