import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { intendedErrorCode, formatBridgeError } from '../router/error-shape';
import { appRouter } from '../router/index';
import { createSenderPolicy } from '../router/sender-policy';
import { createCallerFactory, type SenderInfo } from '../router/trpc';
import { captureLogger, fakeDeviceService, fakeServices } from './fakes/services';

const ORIGIN = 'https://summit.example-events.com';
const kiosk: SenderInfo = {
  webContentsId: 1,
  role: 'kiosk',
  isMainFrame: true,
  origin: ORIGIN,
  url: `${ORIGIN}/events/e/launcher/l`,
};

function caller(sender: SenderInfo | null) {
  const capture = captureLogger();
  const device = fakeDeviceService();
  const senderPolicy = createSenderPolicy({
    kioskOrigins: () => [ORIGIN],
    splashUrl: 'file:///app/dist/splash/index.html',
  });
  const services = fakeServices({ logger: capture.logger, senderPolicy, device: device.service });
  return { call: createCallerFactory(appRouter)({ sender, services }), capture, device };
}

describe('device procedures called directly', () => {
  it('return what the device service says', async () => {
    const { call, device } = caller(kiosk);
    await expect(call.device.get()).resolves.toEqual(device.service.info());
    await expect(call.device.status()).resolves.toEqual(device.service.status());
    await expect(call.device.session()).resolves.toMatchObject({ expires_at: '2026-11-23T00:00:00.000Z' });
  });

  it('return null for the session when no JWT is known', async () => {
    const capture = captureLogger();
    const device = fakeDeviceService({ session: null });
    const senderPolicy = createSenderPolicy({ kioskOrigins: () => [ORIGIN], splashUrl: 'file:///x' });
    const call = createCallerFactory(appRouter)({
      sender: kiosk,
      services: fakeServices({ logger: capture.logger, senderPolicy, device: device.service }),
    });
    await expect(call.device.session()).resolves.toBeNull();
  });

  it('refuse an unknown sender with FORBIDDEN and one log line without secrets', async () => {
    const { call, capture } = caller(null);
    await expect(call.device.session()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(capture.lines).toHaveLength(1);
    expect(JSON.stringify(capture.lines)).not.toMatch(/eyJ/);
  });

  it('refuse a subframe even on the launcher origin', async () => {
    const { call } = caller({ ...kiosk, isMainFrame: false });
    await expect(call.device.get()).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('the error shape the page receives', () => {
  it('restores a code that electron-trpc wrapped as INTERNAL_SERVER_ERROR', () => {
    const original = new TRPCError({ code: 'FORBIDDEN', message: 'no' });
    const wrapped = new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'no', cause: original });
    expect(intendedErrorCode(wrapped)).toBe('FORBIDDEN');
    const shape = formatBridgeError(wrapped, 'device.get', false);
    expect(shape).toEqual({
      message: 'no',
      code: -32003,
      data: { code: 'FORBIDDEN', httpStatus: 403, path: 'device.get' },
    });
  });

  it('keeps a genuine internal error internal, whatever its cause claims to be', () => {
    const plain = new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: new Error('boom') });
    expect(intendedErrorCode(plain)).toBe('INTERNAL_SERVER_ERROR');
    const impostor = new TRPCError({
      code: 'INTERNAL_SERVER_ERROR',
      cause: Object.assign(new Error('x'), { name: 'TRPCError', code: 'NOT_A_CODE' }),
    });
    expect(intendedErrorCode(impostor)).toBe('INTERNAL_SERVER_ERROR');
  });

  it('never sends a JWT back in a message', () => {
    const error = new TRPCError({
      code: 'BAD_REQUEST',
      message: 'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln rejected',
    });
    expect(formatBridgeError(error, undefined, true).message).toBe('token [Redacted JWT] rejected');
  });
});
