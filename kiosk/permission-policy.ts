import type { OriginAllowList } from './origins';

/**
 * The session permission handlers' decision (DESIGN §9): deny by default; grant only camera and
 * microphone (`media` with video/audio) to the main frame of an allowed origin. Everything else —
 * sub frames, foreign origins, screen capture, devices, notifications, geolocation — is denied.
 */

export interface PermissionQuery {
  /** Chromium's permission name as Electron passes it (`media`, `geolocation`, ...). */
  permission: string;
  /** The URL (request handler) or origin (check handler) of the frame that asks. */
  requestingUrl: string | undefined;
  isMainFrame: boolean;
  /** For `media`: the devices asked for (`video` = camera, `audio` = microphone). */
  mediaTypes: readonly string[];
  /** Set by Chromium for cross-origin sub frames; any value means the asker is embedded. */
  embeddingOrigin?: string | undefined;
}

export type PermissionDenialReason =
  'not-camera-or-microphone' | 'sub-frame' | 'foreign-origin' | 'media-type-not-allowed';

export type PermissionDecision = { grant: true } | { grant: false; reason: PermissionDenialReason };

const GRANTABLE_MEDIA_TYPES: ReadonlySet<string> = new Set(['video', 'audio']);

export function decidePermission(query: PermissionQuery, allowList: OriginAllowList): PermissionDecision {
  if (query.permission !== 'media') return { grant: false, reason: 'not-camera-or-microphone' };
  if (!query.isMainFrame || query.embeddingOrigin) return { grant: false, reason: 'sub-frame' };
  if (!allowList.allows(query.requestingUrl)) return { grant: false, reason: 'foreign-origin' };
  if (query.mediaTypes.length === 0 || !query.mediaTypes.every((type) => GRANTABLE_MEDIA_TYPES.has(type))) {
    return { grant: false, reason: 'media-type-not-allowed' };
  }
  return { grant: true };
}
