/**
 * The streams a projection last saw, by revision, in a state where some of their events change nothing: a session
 * that no partner roams (the OCPI session push), a session not yet stopped (the launch gates' meter values). When
 * such an event is the very next revision of a stream remembered here, the projection can skip it without reading
 * its document; any gap falls back to the document (an event handled by another instance or not delivered here, a
 * redelivery, a restart), so what this remembers is never more than a shortcut.
 *
 * Bounded: past `capacity` streams, the longest remembered is forgotten. Revisions are updated in place, so a
 * stream's entry costs no allocation per event.
 */
export class QuietStreams {
  private readonly revisions = new Map<string, number>();

  constructor(private readonly capacity = 20_000) {}

  /** True when `revision` directly follows the one remembered for `streamId`, which then becomes the one remembered. */
  skip(streamId: string, revision: number): boolean {
    if (this.revisions.get(streamId) !== revision - 1) return false;
    this.revisions.set(streamId, revision);
    return true;
  }

  /** The projection handled `revision` of the stream and left it in the quiet state. */
  remember(streamId: string, revision: number): void {
    if (!this.revisions.has(streamId) && this.revisions.size >= this.capacity) {
      this.revisions.delete(this.revisions.keys().next().value!);
    }
    this.revisions.set(streamId, revision);
  }

  /** The stream left the quiet state (or ended): its next events are read against the document again. */
  forget(streamId: string): void {
    this.revisions.delete(streamId);
  }

  get size(): number {
    return this.revisions.size;
  }
}
