import { exposeElectronTRPC } from 'electron-trpc/main';
import { createBridgeHandler } from '../../apps/desktop/bridge-handler';
import { createNativeClient, type NativeClient } from '../../router/client';
import { createContextFactory, type SenderRole } from '../../router/context';
import { appRouter } from '../../router/index';
import { createSenderPolicy } from '../../router/sender-policy';
import * as electron from './electron';
import { captureLogger, fakeDeviceService, fakeServices } from './services';

export const LAUNCHER_ORIGIN = 'https://summit.example-events.com';
export const LAUNCHER_URL = `${LAUNCHER_ORIGIN}/events/ev_2026_summit/launcher/loc_ballroom_a`;
export const SPLASH_URL = 'file:///opt/aether/resources/app/dist/splash/index.html';

/**
 * The real bridge in one process: the REAL electron-trpc handler (behind the app's guards) serving
 * the REAL appRouter with fake services, reached from simulated renderers through the fake IPC.
 */
export function startBridge({
  development = false,
  kioskOrigins = [LAUNCHER_ORIGIN],
}: { development?: boolean; kioskOrigins?: string[] } = {}) {
  const capture = captureLogger();
  const device = fakeDeviceService();
  let origins = kioskOrigins;
  const senderPolicy = createSenderPolicy({ kioskOrigins: () => origins, splashUrl: SPLASH_URL });
  const services = fakeServices({ logger: capture.logger, senderPolicy, device: device.service });
  const roles = new Map<number, SenderRole>();
  const createContext = createContextFactory({ services, roleOf: (id) => roles.get(id) ?? 'unknown', development });
  const handler = createBridgeHandler({ ipcMain: electron.ipcMain as never, router: appRouter, createContext });

  function openWindow(role: SenderRole | null, url: string) {
    const win = new electron.BrowserWindow({ show: false });
    if (role) roles.set(win.webContents.id, role);
    handler.attachWindow(win as never);
    void win.loadURL(url);
    return win;
  }

  /** A page (with the app's preload) in `win`, sending from `frame`, and its typed client. */
  function connect(
    win: electron.FakeBrowserWindow,
    frame?: electron.FakeFrame | null,
  ): { renderer: electron.FakeRenderer; client: NativeClient } {
    const renderer = electron.openRenderer(win, frame);
    renderer.runPreload(() => exposeElectronTRPC());
    const client = renderer.runInPage(() => createNativeClient());
    return { renderer, client };
  }

  return {
    capture,
    device,
    services,
    openWindow,
    connect,
    setKioskOrigins(next: string[]) {
      origins = next;
    },
    refusals: () => capture.lines.filter((l) => l.msg === 'bridge call refused: sender not allowed'),
  };
}
