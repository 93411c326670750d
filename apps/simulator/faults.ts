import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeJson } from './http-json';

export interface FaultSpec {
  /** Wait this long before answering (or before the other fault). */
  delayMs?: number;
  /** Answer with this HTTP status and a JSON `{error}` body. */
  status?: number;
  /** Answer 200 with a JSON body that fails every API schema. */
  garbage?: boolean;
  /** Destroy the socket without an answer. */
  dropConnection?: boolean;
  /** Only requests whose path (with query) matches; all routes when absent. */
  match?: RegExp;
}

export interface FaultControls {
  set(spec: FaultSpec): void;
  clear(): void;
}

/** A JSON body that no API schema accepts: wrong types where every schema expects fields. */
export const GARBAGE_BODY = { items: 'not-a-list', token: 42, event_device_id: null, ok: 'maybe' };

export class FaultInjector implements FaultControls {
  private spec: FaultSpec | null = null;

  set(spec: FaultSpec): void {
    if (spec.status !== undefined && !(Number.isInteger(spec.status) && spec.status >= 100 && spec.status <= 599)) {
      throw new RangeError(`fault status must be an HTTP status code (100-599), got ${spec.status}`);
    }
    if (spec.delayMs !== undefined && !(spec.delayMs >= 0))
      throw new RangeError(`fault delayMs must be >= 0, got ${spec.delayMs}`);
    this.spec = { ...spec };
  }

  clear(): void {
    this.spec = null;
  }

  /** Applies the active fault to a request; true when the fault answered it (the route must not). */
  async apply(pathWithQuery: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const spec = this.spec;
    if (!spec || (spec.match && !spec.match.test(pathWithQuery))) return false;
    if (spec.delayMs) await new Promise((resolve) => setTimeout(resolve, spec.delayMs));
    if (spec.dropConnection) {
      req.socket.destroy();
      return true;
    }
    if (spec.status !== undefined) {
      writeJson(res, spec.status, { error: `injected fault: HTTP ${spec.status}` });
      return true;
    }
    if (spec.garbage) {
      writeJson(res, 200, GARBAGE_BODY);
      return true;
    }
    return false;
  }
}
