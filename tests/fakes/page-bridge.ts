import type { BrowserContext, Page } from 'playwright-core';
import { FakeFrame } from './fake-frame';
import { sendToMain, type FakeIpcMain, type RendererEndpoint } from './ipc-channel';

const SEND_BINDING = '__aetherSendToMain';

/**
 * Runs in the page before its own scripts: `window.electronTRPC` shaped exactly as electron-trpc's
 * exposeElectronTRPC exposes it ({ sendMessage, onMessage }), carried over a Playwright binding.
 */
function installBridge(sendBinding: string): void {
  const listeners: Array<(message: unknown) => void> = [];
  const page = window as unknown as Record<string, unknown>;
  page.__aetherDeliver = (message: unknown) => {
    for (const listener of listeners) listener(message);
  };
  page.electronTRPC = Object.freeze({
    sendMessage: (request: unknown) => {
      void (page[sendBinding] as (r: unknown) => Promise<void>)(request);
    },
    onMessage: (callback: (message: unknown) => void) => {
      listeners.push(callback);
    },
  });
}

/**
 * Connects a headless-Chromium page to the fake ipcMain through the same channel code the
 * in-process renderers use: messages arrive with a senderFrame built from the page's real URL.
 */
export async function bridgePage(
  context: BrowserContext,
  page: Page,
  ipcMain: FakeIpcMain,
  webContentsId: number,
): Promise<RendererEndpoint> {
  let frame = new FakeFrame({ url: 'about:blank' });
  const endpoint: RendererEndpoint = {
    webContents: { id: webContentsId, isDestroyed: () => page.isClosed() },
    senderFrame: () => frame,
    deliver(_channel, payload) {
      page
        .evaluate(
          (message) => (window as unknown as { __aetherDeliver(m: unknown): void }).__aetherDeliver(message),
          payload,
        )
        .catch(() => undefined);
    },
  };
  await context.exposeBinding(SEND_BINDING, (source, request: unknown) => {
    const url = source.frame.url();
    if (frame.url !== url) frame = new FakeFrame({ url });
    sendToMain(ipcMain, endpoint, 'electron-trpc', [request]);
  });
  await page.addInitScript(installBridge, SEND_BINDING);
  return endpoint;
}
