import { z } from 'zod';

/** The `permissions` procedure group's contract (DESIGN §5); the page's client imports only the types. */

/** `automation`: Apple Events to the presentation apps (PowerPoint, Keynote), which slideshow control needs. */
export const PermissionKind = z.enum(['camera', 'microphone', 'screen', 'accessibility', 'automation']);
export type PermissionKind = z.infer<typeof PermissionKind>;

export const PermissionStatus = z.enum([
  'granted',
  'denied',
  'not-determined',
  'restricted',
  'unknown',
  'not-applicable',
]);
export type PermissionStatus = z.infer<typeof PermissionStatus>;

export const PermissionReport = z.object({
  kind: PermissionKind,
  status: PermissionStatus,
  /** What the user can do next, in words the splash shows as is; `null` when nothing is needed. */
  hint: z.string().nullable(),
  /** The System Settings pane for this permission (macOS), opened by `permissions.openSettings`. */
  settingsUrl: z.string().nullable(),
});
export type PermissionReport = z.infer<typeof PermissionReport>;

export const PermissionsOverview = z.object({
  permissions: z.array(PermissionReport),
  /** True when nothing is left to ask for: the splash's check-and-prompt loop is done. */
  complete: z.boolean(),
});
export type PermissionsOverview = z.infer<typeof PermissionsOverview>;

export const PermissionRequestResult = PermissionReport.extend({
  /** What `request` did: showed the OS prompt, opened System Settings, or nothing was needed/possible. */
  action: z.enum(['prompted', 'opened-settings', 'none']),
});
export type PermissionRequestResult = z.infer<typeof PermissionRequestResult>;

export const PermissionKindInput = z.object({ kind: PermissionKind });
