import { fileUrl } from './api.js';
import type { LauncherFile } from './event-files.js';
import { AVAILABLE } from './file-state.js';
import { onsiteName } from './format.js';
import type { ModeDriver, StateBook } from './mode-driver.js';

/** Clicks a temporary `<a download>`: the browser's own download, with its own UI and storage. */
function clickDownload(href: string, name: string): void {
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
}

/**
 * Default mode: a standard browser download of the file's bytes. The server's Content-Disposition
 * names it (RFC 6266, any origin); the `download` attribute says the same for same-origin APIs.
 */
export class DefaultDownloads implements ModeDriver {
  readonly actionLabel = 'Download';

  constructor(
    private readonly apiBase: string,
    private readonly book: StateBook,
  ) {}

  savedName(file: LauncherFile): string {
    return file.filename;
  }

  async onList(files: readonly LauncherFile[]): Promise<void> {
    for (const file of files) if (!this.book.get(file.sha256)) this.book.set(file.sha256, AVAILABLE);
  }

  async run(file: LauncherFile): Promise<void> {
    clickDownload(fileUrl(this.apiBase, file.sha256), file.filename);
    this.book.set(file.sha256, { ...AVAILABLE, phase: 'saved', progress: 1, bytes: file.size, result: file.filename });
  }

  stop(): void {}
}

/**
 * Onsite mode: the same bytes saved as `<name>.<ext><suffix>` (`Keynote.pptxwin`), so the laptop's
 * file associations do not open them by accident. The page fetches the bytes itself (with progress)
 * and saves them from a blob: a blob URL has no Content-Disposition, so the new name always wins,
 * whatever the API's origin.
 */
export class OnsiteDownloads implements ModeDriver {
  readonly actionLabel = 'Download';
  private readonly running = new Set<string>();

  constructor(
    private readonly apiBase: string,
    private readonly book: StateBook,
    private readonly suffix: string,
    private readonly fetchFn: typeof fetch = fetch.bind(globalThis),
  ) {}

  savedName(file: LauncherFile): string {
    return onsiteName(file.filename, this.suffix);
  }

  async onList(files: readonly LauncherFile[]): Promise<void> {
    for (const file of files) if (!this.book.get(file.sha256)) this.book.set(file.sha256, AVAILABLE);
  }

  async run(file: LauncherFile): Promise<void> {
    if (this.running.has(file.sha256)) return;
    this.running.add(file.sha256);
    const name = this.savedName(file);
    try {
      const res = await this.fetchFn(fileUrl(this.apiBase, file.sha256), { credentials: 'include' });
      if (!res.ok || !res.body) throw new Error(`the server answered ${res.status} for ${file.filename}`);
      const reader = res.body.getReader();
      const parts: Uint8Array[] = [];
      let bytes = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        bytes += value.byteLength;
        this.book.set(file.sha256, {
          ...AVAILABLE,
          phase: 'saving',
          bytes,
          progress: file.size > 0 ? Math.min(1, bytes / file.size) : null,
        });
      }
      if (bytes !== file.size) throw new Error(`${file.filename}: got ${bytes} bytes, the list says ${file.size}`);
      const url = URL.createObjectURL(new Blob(parts as BlobPart[], { type: 'application/octet-stream' }));
      clickDownload(url, name);
      // The browser reads the blob asynchronously after the click; free it once that is surely done.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      this.book.set(file.sha256, { ...AVAILABLE, phase: 'saved', progress: 1, bytes, result: name });
    } catch (err) {
      this.book.set(file.sha256, {
        ...AVAILABLE,
        phase: 'failed',
        message: err instanceof Error ? err.message : String(err),
      });
    } finally {
      this.running.delete(file.sha256);
    }
  }

  stop(): void {}
}
