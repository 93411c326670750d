/**
 * Work waiting for a download slot, by rank (0 goes first), first in, first out within a rank. A
 * paused transfer goes back to the front of its rank, ahead of work never started.
 */
export class RankedQueue<T> {
  private readonly queues: T[][];

  constructor(
    ranks: number,
    private readonly rankOf: (item: T) => number,
  ) {
    this.queues = Array.from({ length: ranks }, () => []);
  }

  add(item: T, front = false): void {
    const queue = this.queues[this.rankOf(item)]!;
    if (front) queue.unshift(item);
    else queue.push(item);
  }

  /** Removes an item from its queue; whether it was there. */
  remove(item: T): boolean {
    const queue = this.queues[this.rankOf(item)]!;
    const at = queue.indexOf(item);
    if (at < 0) return false;
    queue.splice(at, 1);
    return true;
  }

  /** Changes what decides an item's rank, moving it between queues if it waits in one. */
  rerank(item: T, change: () => void, front: () => boolean): void {
    const queued = this.remove(item);
    change();
    if (queued) this.add(item, front());
  }

  next(): T | undefined {
    for (const queue of this.queues) if (queue.length > 0) return queue[0];
    return undefined;
  }

  /** Empties every queue, highest rank first. */
  drain(): T[] {
    return this.queues.flatMap((queue) => queue.splice(0));
  }
}
