import { shell } from 'electron';
import { OpenFailedError, type Opener } from '../../kiosk/launch-handover';

/** `shell.openPath` resolves with an error string ("" on success); the handover wants a typed rejection. */
export function electronOpener(openPath: (filePath: string) => Promise<string> = (p) => shell.openPath(p)): Opener {
  return async (filePath) => {
    const failure = await openPath(filePath);
    if (failure) throw new OpenFailedError(filePath, failure);
  };
}
