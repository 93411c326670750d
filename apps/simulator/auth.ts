import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';

export interface IssuedToken {
  token: string;
  expires_at: string;
}

/** HS256 device tokens with a per-simulator random secret, so a token of one simulator fails on another. */
export class DeviceTokens {
  private readonly secret = new Uint8Array(randomBytes(32));

  constructor(
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(ttlSeconds > 0)) throw new RangeError(`jwtTtlSeconds must be positive, got ${ttlSeconds}`);
  }

  async issue(deviceId: string): Promise<IssuedToken> {
    const issuedAt = Math.floor(this.now() / 1000);
    const exp = issuedAt + Math.ceil(this.ttlSeconds);
    const token = await new SignJWT({ scope: 'device' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(deviceId)
      .setIssuedAt(issuedAt)
      .setExpirationTime(exp)
      .sign(this.secret);
    return { token, expires_at: new Date(exp * 1000).toISOString() };
  }

  /** The device id the token was issued to, or null when it is malformed, forged or expired. */
  async verify(token: string): Promise<string | null> {
    try {
      const { payload } = await jwtVerify(token, this.secret, {
        algorithms: ['HS256'],
        currentDate: new Date(this.now()),
      });
      return typeof payload.sub === 'string' ? payload.sub : null;
    } catch {
      return null;
    }
  }
}
