import { UnavailableError } from "@sigma/runtime";

/** What a not-yet-ready status service answers (UNAVAILABLE: clients retry). */
export const REPLAYING_MESSAGE = "status projection is still replaying the event stream";

/**
 * Whether the projection has replayed the event stream up to where it stood when the service
 * (re)subscribed. Until then an unknown run may only be not-yet-replayed, so answering
 * NOT_FOUND would be wrong: queries answer UNAVAILABLE and health says NOT_SERVING.
 * It only ever goes from not ready to ready.
 */
export class ProjectionReadiness {
  private ready = false;
  private readonly listeners: Array<() => void> = [];

  /** True once the replay is done. */
  get isReady(): boolean {
    return this.ready;
  }

  /** Marks the replay done and calls the `onReady` listeners (once). */
  markReady(): void {
    if (this.ready) return;
    this.ready = true;
    for (const listener of this.listeners.splice(0)) listener();
  }

  /** Calls `listener` when the projection becomes ready (at once if it is). */
  onReady(listener: () => void): void {
    if (this.ready) listener();
    else this.listeners.push(listener);
  }

  /** @throws UnavailableError ({@link REPLAYING_MESSAGE}) while not ready */
  requireReady(): void {
    if (!this.ready) throw new UnavailableError(REPLAYING_MESSAGE);
  }
}
