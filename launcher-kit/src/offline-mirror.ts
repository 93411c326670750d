import { Dexie, type Table } from 'dexie';
import type { LauncherFile } from './event-files.js';

/**
 * The page's offline copy of the event's file metadata, in IndexedDB through Dexie. A mirror only:
 * the API (and in Native, the app's cache) stays the source of truth, so on a schema change or an
 * eviction the mirror is emptied and rebuilt from the next good answer, never migrated.
 */
export const MIRROR_DB_NAME = 'aether-launcher-kit';
/** Bump when a stored shape changes: the upgrade empties the tables. */
export const MIRROR_SCHEMA_VERSION = 2;

interface StoredFile extends LauncherFile {
  /** `<event_id>|<event_file_id>`: one event's copy never overwrites another's. */
  key: string;
  listed_event: string;
  /** Place in the API's list: IndexedDB returns rows in key order. */
  position: number;
}

interface StoredListing {
  event_id: string;
  at: number;
  refresh_periods: Record<string, number> | null;
}

class MirrorDb extends Dexie {
  files!: Table<StoredFile, string>;
  listings!: Table<StoredListing, string>;

  constructor(name: string) {
    super(name);
    this.version(MIRROR_SCHEMA_VERSION)
      .stores({ files: 'key, listed_event', listings: 'event_id' })
      .upgrade((tx) => Promise.all([tx.table('files').clear(), tx.table('listings').clear()]).then(() => undefined));
  }
}

export interface MirroredListing {
  files: LauncherFile[];
  at: number;
  refreshPeriods: Record<string, number> | null;
}

export class OfflineMirror {
  private db: MirrorDb | null = null;
  /** Why the mirror is off (no IndexedDB in this browser, storage refused), for the page to show. */
  problem: string | null = null;

  constructor(private readonly name: string = MIRROR_DB_NAME) {}

  private async open(): Promise<MirrorDb | null> {
    if (this.db) return this.db;
    if (typeof indexedDB === 'undefined') {
      this.problem = 'this browser has no IndexedDB: the list is not kept for offline use';
      return null;
    }
    let db = new MirrorDb(this.name);
    try {
      await db.open();
    } catch {
      // A newer or damaged schema from another build of the page: start over, it is only a mirror.
      db.close();
      await Dexie.delete(this.name).catch(() => undefined);
      db = new MirrorDb(this.name);
      try {
        await db.open();
      } catch (err) {
        this.problem = `the offline copy cannot be opened (${err instanceof Error ? err.message : String(err)})`;
        return null;
      }
    }
    this.db = db;
    return db;
  }

  /** Replaces the event's copy with the list the API just gave. Failures only turn the mirror off. */
  async save(
    eventId: string,
    files: readonly LauncherFile[],
    at: number,
    refreshPeriods: Record<string, number> | null,
  ): Promise<void> {
    const db = await this.open();
    if (!db) return;
    try {
      await db.transaction('rw', db.files, db.listings, async () => {
        await db.files.where('listed_event').equals(eventId).delete();
        await db.files.bulkPut(
          files.map((f, position) => ({ ...f, key: `${eventId}|${position}`, listed_event: eventId, position })),
        );
        await db.listings.put({ event_id: eventId, at, refresh_periods: refreshPeriods });
      });
    } catch (err) {
      this.problem = `the offline copy could not be updated (${err instanceof Error ? err.message : String(err)})`;
    }
  }

  /** The last list saved for the event, in its order, or null when there is none (or it was evicted). */
  async load(eventId: string): Promise<MirroredListing | null> {
    const db = await this.open();
    if (!db) return null;
    try {
      const listing = await db.listings.get(eventId);
      if (!listing) return null;
      const stored = await db.files.where('listed_event').equals(eventId).toArray();
      const files = stored
        .sort((a, b) => a.position - b.position)
        .map(({ key: _key, listed_event: _event, position: _position, ...file }) => file);
      return { files, at: listing.at, refreshPeriods: listing.refresh_periods };
    } catch {
      return null;
    }
  }

  close(): void {
    this.db?.close();
    this.db = null;
  }
}
