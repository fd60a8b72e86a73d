import type { Match, OurCdr, ParseError, PartnerRecord, ReconException, ReconOptions, ReconOutcome, ReconResult, ReconSummary } from './model.js';
import { BATCHES, isBatched } from './batches.js';
import { Reconciler } from './reconcile.js';
import { instantMs } from './time.js';

type Source<T> = AsyncIterable<T> | Iterable<T>;

/** Reads a source item by item, but awaits only once per batch when the source is batched (the parsers are). */
class Cursor<T> {
  private batch: readonly T[] = [];
  private at = 0;
  private done = false;
  private readonly batches: AsyncIterator<readonly T[]> | undefined;
  private readonly items: AsyncIterator<T> | Iterator<T> | undefined;

  constructor(source: Source<T>) {
    if (isBatched<T>(source)) this.batches = source[BATCHES]()[Symbol.asyncIterator]();
    else if (Array.isArray(source)) {
      this.batch = source;
      this.done = true;
    } else this.items = Symbol.asyncIterator in source ? (source as AsyncIterable<T>)[Symbol.asyncIterator]() : (source as Iterable<T>)[Symbol.iterator]();
  }

  /** The next item, undefined at the end; a promise only when a new batch must be awaited. */
  next(): T | undefined | Promise<T | undefined> {
    if (this.at < this.batch.length) return this.batch[this.at++]!;
    if (this.done) return undefined;
    return this.refill();
  }

  private async refill(): Promise<T | undefined> {
    for (;;) {
      if (this.batches) {
        const next = await this.batches.next();
        if (next.done) {
          this.done = true;
          return undefined;
        }
        this.batch = next.value;
        this.at = 0;
        if (this.batch.length) return this.batch[this.at++]!;
      } else {
        const next = await this.items!.next();
        if (next.done) {
          this.done = true;
          return undefined;
        }
        return next.value;
      }
    }
  }
}

const isParseError = (item: unknown): item is ParseError => (item as { kind?: string }).kind === 'parse-error';

/** Pulls the next prepared entry from a cursor, passing parse errors on; a promise only when a batch must be awaited. */
function puller<I, E>(cursor: Cursor<I | ParseError>, prepare: (item: I) => E | ParseError, onError: (error: ParseError) => void): () => E | undefined | Promise<E | undefined> {
  const accept = (item: I | ParseError): E | undefined => {
    const prepared = isParseError(item) ? item : prepare(item);
    if (!isParseError(prepared)) return prepared;
    onError(prepared);
    return undefined;
  };
  const pull = (): E | undefined | Promise<E | undefined> => {
    for (;;) {
      const item = cursor.next();
      if (item instanceof Promise) return item.then((v) => (v === undefined ? undefined : (accept(v) ?? pull())));
      if (item === undefined) return undefined;
      const entry = accept(item);
      if (entry !== undefined) return entry;
    }
  };
  return pull;
}

/** A reconciliation in progress: iterate it for the outcomes; `summary()` is final once iteration ends. */
export interface ReconRun extends AsyncIterable<ReconOutcome> {
  /** The same outcomes in arrays, without one await per outcome: for large runs. */
  batches(): AsyncIterable<ReconOutcome[]>;
  summary(): ReconSummary;
  /** Largest number of records the window held at once. */
  readonly peakHeld: number;
}

/**
 * Streams our CDRs and the partner's records, both ordered by start time (within the window),
 * through the matcher. Memory holds one window of records, whatever the length of the inputs.
 */
export function reconcileStream(
  ours: Source<OurCdr | ParseError>,
  theirs: Source<PartnerRecord | ParseError>,
  options: ReconOptions,
): ReconRun {
  const engine = new Reconciler(options);
  let peakHeld = 0;
  async function* run(): AsyncGenerator<ReconOutcome[]> {
    const pullOurs = puller(new Cursor(ours), (cdr: OurCdr) => engine.prepareOurs(cdr), (error) => engine.parseError(error));
    const pullTheirs = puller(new Cursor(theirs), (record: PartnerRecord) => engine.prepareTheirs(record), (error) => engine.parseError(error));
    let ourHead = await pullOurs();
    let theirHead = await pullTheirs();
    let steps = 0;
    while (ourHead !== undefined || theirHead !== undefined) {
      if (ourHead !== undefined && (theirHead === undefined || ourHead.startMs <= theirHead.startMs)) {
        engine.addOurs(ourHead);
        const next = pullOurs();
        ourHead = next instanceof Promise ? await next : next;
      } else {
        engine.addTheirs(theirHead!);
        const next = pullTheirs();
        theirHead = next instanceof Promise ? await next : next;
      }
      if ((++steps & 1023) === 0) {
        if (engine.held > peakHeld) peakHeld = engine.held;
        engine.advance(Math.min(ourHead?.startMs ?? Number.POSITIVE_INFINITY, theirHead?.startMs ?? Number.POSITIVE_INFINITY));
        const out = engine.take();
        if (out.length) yield out;
      }
    }
    if (engine.held > peakHeld) peakHeld = engine.held;
    engine.finish();
    yield engine.take();
  }
  return {
    async *[Symbol.asyncIterator]() {
      for await (const batch of run()) yield* batch;
    },
    batches: run,
    summary: () => engine.summary(),
    get peakHeld() {
      return peakHeld;
    },
  };
}

const byStart = <T extends { start: string }>(items: readonly T[]): T[] =>
  items
    .map((item) => ({ item, at: instantMs(item.start) }))
    .sort((x, y) => x.at - y.at)
    .map((x) => x.item);

/**
 * Reconciles and collects every outcome. Arrays are sorted by start first; other iterables must
 * already be ordered by start (within the window). For files of any size, use reconcileStream.
 */
export async function reconcile(
  ours: Source<OurCdr | ParseError>,
  theirs: Source<PartnerRecord | ParseError>,
  options: ReconOptions,
): Promise<ReconResult> {
  const sortIfArray = <T extends { kind?: string }>(source: Source<T>): Source<T> => {
    if (!Array.isArray(source)) return source;
    const errors = source.filter((x) => x.kind === 'parse-error');
    const items = source.filter((x) => x.kind !== 'parse-error') as unknown as { start: string }[];
    return [...errors, ...byStart(items)] as unknown as T[];
  };
  const run = reconcileStream(sortIfArray(ours as Source<(OurCdr & { kind?: undefined }) | ParseError>), sortIfArray(theirs), options);
  const matches: Match[] = [];
  const exceptions: ReconException[] = [];
  const parseErrors: ParseError[] = [];
  for await (const outcome of run) {
    if (outcome.kind === 'match') matches.push(outcome);
    else if (outcome.kind === 'exception') exceptions.push(outcome);
    else parseErrors.push(outcome);
  }
  return { matches, exceptions, parseErrors, summary: run.summary() };
}
