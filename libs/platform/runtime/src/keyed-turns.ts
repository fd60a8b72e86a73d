/**
 * Work on one key runs one piece at a time, in call order; different keys do not wait for each other. For state that
 * two paths of one process read and then act on (a consumer and a timer's sweep over the same document): whichever
 * comes second reads what the first left, instead of acting on a copy read before it.
 */
export class KeyedTurns {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `work` once the key's earlier work has settled (failed or not); resolves or rejects as `work` does. */
  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(work);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, settled);
    void settled.then(() => {
      if (this.tails.get(key) === settled) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with work queued or running. */
  get size(): number {
    return this.tails.size;
  }
}
