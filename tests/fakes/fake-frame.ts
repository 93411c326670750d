/**
 * A stand-in for Electron's WebFrameMain: the frame a message came from (event.senderFrame) and the
 * frame of navigation events. Once disposed, every property read throws exactly like Electron's.
 */
export const DISPOSED_FRAME_MESSAGE = 'Render frame was disposed before WebFrameMain could be accessed';

let nextRoutingId = 1;

/** Chromium reports file: documents with the origin "file://"; Node's URL says "null". */
export function frameOriginOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'file:' ? 'file://' : parsed.origin;
  } catch {
    return 'null';
  }
}

export interface FakeFrameOptions {
  url?: string;
  /** Overrides the origin derived from the URL (e.g. a sandboxed iframe's opaque "null"). */
  origin?: string;
  parent?: FakeFrame | null;
  processId?: number;
}

export class FakeFrame {
  readonly #routingId = nextRoutingId++;
  readonly #processId: number;
  readonly #parent: FakeFrame | null;
  readonly #children: FakeFrame[] = [];
  #url: string;
  #origin: string;
  #disposed = false;

  constructor({ url = 'about:blank', origin, parent = null, processId = 1 }: FakeFrameOptions = {}) {
    this.#url = url;
    this.#origin = origin ?? frameOriginOf(url);
    this.#parent = parent;
    this.#processId = processId;
    if (parent) parent.#children.push(this);
  }

  #alive(): void {
    if (this.#disposed) throw new Error(DISPOSED_FRAME_MESSAGE);
  }

  get url(): string {
    this.#alive();
    return this.#url;
  }
  get origin(): string {
    this.#alive();
    return this.#origin;
  }
  get routingId(): number {
    this.#alive();
    return this.#routingId;
  }
  get frameToken(): string {
    this.#alive();
    return `fake-frame-token-${this.#routingId}`;
  }
  get processId(): number {
    this.#alive();
    return this.#processId;
  }
  get parent(): FakeFrame | null {
    this.#alive();
    return this.#parent;
  }
  get top(): FakeFrame {
    this.#alive();
    return this.#parent ? this.#parent.top : this;
  }
  get frames(): FakeFrame[] {
    this.#alive();
    return [...this.#children];
  }
  get framesInSubtree(): FakeFrame[] {
    this.#alive();
    return [this, ...this.#children.flatMap((c) => c.framesInSubtree)];
  }

  /** Unlike the properties, Electron's isDestroyed() never throws. */
  isDestroyed(): boolean {
    return this.#disposed;
  }

  /** Creates an iframe inside this frame. */
  addChild(options: Omit<FakeFrameOptions, 'parent' | 'processId'> = {}): FakeFrame {
    return new FakeFrame({ ...options, parent: this, processId: this.#processId });
  }

  /** A same-frame navigation (the frame object survives, as for a same-site navigation in Electron). */
  navigate(url: string, origin?: string): void {
    this.#alive();
    this.#url = url;
    this.#origin = origin ?? frameOriginOf(url);
  }

  /** From now on every property read throws "Render frame was disposed…", as after a cross-site swap. */
  dispose(): void {
    this.#disposed = true;
    for (const child of this.#children) child.dispose();
  }
}
