/**
 * The candidate's desktop as the agent's checks share it: one X connection for the whole agent (the
 * desktop check lists windows through it, the displays check hears RandR through it), opened on first
 * use, and opened again after the X server went away (the candidate logged out, the display manager
 * restarted). Listeners survive the reconnection.
 */
import { XDesktop, type XDesktopOptions } from './x11-desktop.ts';

export class DesktopSession {
  private x: XDesktop | null = null;
  private opening: Promise<XDesktop> | null = null;
  private lastError: Error | null = null;
  private retryAt = 0;
  private stopped = false;
  private readonly windowListeners = new Set<() => void>();
  private readonly screenListeners = new Set<() => void>();

  constructor(
    private readonly options: XDesktopOptions,
    private readonly retryMs = 2000,
  ) {}

  /** The X display, connected. Throws (with the reason) when it cannot be opened. */
  async x11(): Promise<XDesktop> {
    if (this.stopped) throw new Error('the agent is stopping');
    if (this.x?.isOpen) return this.x;
    if (this.opening) return this.opening;
    if (this.lastError && Date.now() < this.retryAt) throw this.lastError;
    this.opening = XDesktop.open(this.options).then(
      (x) => {
        this.opening = null;
        if (this.stopped) {
          x.close();
          throw new Error('the agent is stopping');
        }
        this.x = x;
        this.lastError = null;
        x.onWindowsChanged(() => {
          for (const fn of this.windowListeners) fn();
        });
        x.onScreenChanged(() => {
          for (const fn of this.screenListeners) fn();
        });
        // Gone: the next look reconnects; tell the checks to look.
        x.onClosed(() => {
          for (const fn of this.windowListeners) fn();
          for (const fn of this.screenListeners) fn();
        });
        return x;
      },
      (error: Error) => {
        this.opening = null;
        this.lastError = error;
        this.retryAt = Date.now() + this.retryMs;
        throw error;
      },
    );
    return this.opening;
  }

  /** The display's RandR notifications are available (the display check need not poll). */
  get hearsScreenChanges(): boolean {
    return Boolean(this.x?.isOpen && this.x.randr);
  }

  onWindowsChanged(fn: () => void): () => void {
    this.windowListeners.add(fn);
    return () => this.windowListeners.delete(fn);
  }

  onScreenChanged(fn: () => void): () => void {
    this.screenListeners.add(fn);
    return () => this.screenListeners.delete(fn);
  }

  close(): void {
    this.stopped = true;
    this.x?.close();
    this.x = null;
  }
}
