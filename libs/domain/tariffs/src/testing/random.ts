/** A small seeded generator (mulberry32), so property tests and the bench replay the same cases. */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  int(minInclusive: number, maxInclusive: number): number {
    return minInclusive + Math.floor(this.next() * (maxInclusive - minInclusive + 1));
  }

  pick<T>(values: readonly T[]): T {
    return values[this.int(0, values.length - 1)]!;
  }

  bool(probability = 0.5): boolean {
    return this.next() < probability;
  }

  /** A decimal with at most `decimals` decimals in [min, max], as a JSON number built from its text. */
  decimal(min: number, max: number, decimals: number): number {
    const scale = 10 ** decimals;
    return Number((this.int(Math.round(min * scale), Math.round(max * scale)) / scale).toFixed(decimals));
  }
}
