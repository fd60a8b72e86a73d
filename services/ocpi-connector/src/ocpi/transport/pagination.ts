import { OcpiError } from './status';

export interface PageQuery {
  readonly offset: number;
  /** The page size this response uses: the client's limit capped at the server maximum. */
  readonly limit: number;
  readonly dateFrom?: Date;
  readonly dateTo?: Date;
}

export interface PageHeaders {
  readonly Link?: string;
  readonly 'X-Total-Count': string;
  readonly 'X-Limit': string;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

function single(query: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw OcpiError.invalid(`${name}: must be given once`);
  return value;
}

function integer(query: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw OcpiError.invalid(`${name}: must be a non-negative integer, got "${value}"`);
  return Number(value);
}

function dateTime(query: Readonly<Record<string, unknown>>, name: string): Date | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  // types.asciidoc: DateTime is UTC; a value without a zone is read as UTC, as the spec's examples are.
  if (!DATE_TIME.test(value)) throw OcpiError.invalid(`${name}: must be an RFC 3339 date-time, got "${value}"`);
  const parsed = new Date(/(Z|[+-]\d{2}:\d{2})$/.test(value) ? value : `${value}Z`);
  if (Number.isNaN(parsed.getTime())) throw OcpiError.invalid(`${name}: is not a valid date-time, got "${value}"`);
  return parsed;
}

/** offset, limit, date_from (inclusive) and date_to (exclusive) of a paginated GET (transport_and_format, pagination). */
export function parsePageQuery(query: Readonly<Record<string, unknown>>, serverMax: number): PageQuery {
  const offset = integer(query, 'offset') ?? 0;
  const requested = integer(query, 'limit');
  const dateFrom = dateTime(query, 'date_from');
  const dateTo = dateTime(query, 'date_to');
  if (dateFrom && dateTo && dateFrom.getTime() >= dateTo.getTime()) throw OcpiError.invalid('date_from: must be before date_to');
  const limit = requested === undefined || requested === 0 ? serverMax : Math.min(requested, serverMax);
  return { offset, limit, ...(dateFrom ? { dateFrom } : {}), ...(dateTo ? { dateTo } : {}) };
}

/**
 * Headers of a paginated response. The next link repeats every filter of the original request (any query
 * parameter other than offset and limit, in its original order) with the next offset and the limit used;
 * X-Limit is the server maximum, not the size of this page.
 */
export function pageHeaders(requestUrl: URL, page: PageQuery, total: number, serverMax: number): PageHeaders {
  const headers: { Link?: string; 'X-Total-Count': string; 'X-Limit': string } = { 'X-Total-Count': String(total), 'X-Limit': String(serverMax) };
  const nextOffset = page.offset + page.limit;
  if (nextOffset < total) {
    const next = new URL(requestUrl.toString());
    const filters = [...next.searchParams.entries()].filter(([key]) => key !== 'offset' && key !== 'limit');
    next.search = '';
    next.searchParams.set('offset', String(nextOffset));
    next.searchParams.set('limit', String(page.limit));
    for (const [key, value] of filters) next.searchParams.append(key, value);
    headers.Link = `<${next.toString()}>; rel="next"`;
  }
  return headers;
}

/** Filters by last_updated and cuts the page, for list endpoints that hold their objects in memory. */
export function pageOf<T>(items: readonly T[], page: PageQuery, lastUpdated: (item: T) => Date): { items: T[]; total: number } {
  const matching = items.filter((item) => {
    const at = lastUpdated(item).getTime();
    return (!page.dateFrom || at >= page.dateFrom.getTime()) && (!page.dateTo || at < page.dateTo.getTime());
  });
  return { items: matching.slice(page.offset, page.offset + page.limit), total: matching.length };
}
