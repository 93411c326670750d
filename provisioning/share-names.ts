/**
 * Names in a Syncthing share that are never real content: Syncthing's temp files
 * (`.syncthing.<name>.tmp` on Unix, `~syncthing~<name>.tmp` on Windows; they can linger for a day),
 * conflict copies (`<stem>.sync-conflict-<date>-<time>-<device>.<ext>`), its version archive
 * (`.stversions`), its folder markers (`.stfolder`, `.stignore`), and every other dotfile, which
 * includes the temp files of our own atomic writes.
 */
export function isShareNoise(name: string): boolean {
  return name.startsWith('.') || name.startsWith('~syncthing~') || name.includes('.sync-conflict-');
}
