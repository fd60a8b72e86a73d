import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Faults, FaultTarget } from './faults';
import { type CommandResult, type CommandType, commandTypes, type Endpoint, type OcpiObject, type OcpiResponse, ocpiStatus, type TokenType } from './model';
import { objectKey, type Received } from './received';
import { ocpiVersion, type Registration } from './registration';
import type { TokenBook } from './tokens';
import { envelope, nextPageUrl, redactedBody, nonNegativeIntegerParam, pageOf, redactedHeaders, tokenOfAuthorization, type TokenEncoding } from './transport';

export interface EmspUrls {
  readonly base: string;
  readonly versions: string;
  readonly details: string;
  readonly credentials: string;
  module(identifier: string): string;
}

export function emspUrls(base: string): EmspUrls {
  return {
    base,
    versions: `${base}/ocpi/versions`,
    details: `${base}/ocpi/${ocpiVersion}`,
    credentials: `${base}/ocpi/${ocpiVersion}/credentials`,
    module: (identifier) => `${base}/ocpi/emsp/${ocpiVersion}/${identifier}`,
  };
}

export function emspEndpoints(urls: EmspUrls): Endpoint[] {
  return [
    { identifier: 'credentials', role: 'SENDER', url: urls.credentials },
    { identifier: 'credentials', role: 'RECEIVER', url: urls.credentials },
    { identifier: 'locations', role: 'RECEIVER', url: urls.module('locations') },
    { identifier: 'sessions', role: 'RECEIVER', url: urls.module('sessions') },
    { identifier: 'cdrs', role: 'RECEIVER', url: urls.module('cdrs') },
    { identifier: 'tariffs', role: 'RECEIVER', url: urls.module('tariffs') },
    { identifier: 'tokens', role: 'SENDER', url: urls.module('tokens') },
    { identifier: 'commands', role: 'SENDER', url: urls.module('commands') },
  ];
}

export interface EmspServerDeps {
  readonly received: Received;
  readonly faults: Faults;
  readonly registration: Registration;
  readonly tokens: TokenBook;
  readonly encoding: () => TokenEncoding;
  readonly now: () => Date;
  readonly urls: () => EmspUrls;
  readonly tokensPageLimit: number;
  readonly onCommandResult: (type: CommandType, id: string, result: CommandResult) => boolean;
}

interface Reply {
  readonly status: number;
  readonly body?: OcpiResponse;
  readonly headers?: Readonly<Record<string, string>>;
}

class BadRequest extends Error {}

/** The eMSP side of OCPI 2.2.1: versions, credentials and the receiver/sender endpoints a CPO calls. */
export function emspRequestHandler(deps: EmspServerDeps): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    void handle(deps, request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify(envelope(deps.now(), ocpiStatus.serverError, (error as Error).message)));
      }
    });
  };
}

async function handle(deps: EmspServerDeps, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const startedAt = performance.now();
  const at = deps.now().toISOString();
  const url = new URL(request.url ?? '/', deps.urls().base);
  const method = request.method ?? 'GET';
  const text = await bodyOf(request);
  const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const target = targetOf(segments);
  const requestHeaders = redactedHeaders(Object.entries(request.headers));
  const record = (reply: Reply | undefined, fault?: string) => {
    const responseBody = reply?.body;
    deps.received.calls.push({
      direction: 'in',
      method,
      url: url.toString(),
      status: reply?.status ?? 0,
      ...(responseBody ? { ocpiStatus: responseBody.status_code } : {}),
      requestHeaders,
      responseHeaders: { ...(reply?.headers ?? {}) },
      ...(text === '' ? {} : { requestBody: redactedBody(url.pathname, parseOrText(text)) }),
      ...(responseBody ? { responseBody: redactedBody(url.pathname, responseBody) } : {}),
      at,
      latencyMs: performance.now() - startedAt,
      ...(fault ? { fault } : {}),
    });
  };

  if (target) {
    const outage = deps.faults.outageOf(target);
    if (outage === 'reset') {
      record(undefined, 'reset');
      request.socket.destroy();
      return;
    }
    if (outage === 'unavailable') {
      const reply = { status: 503, body: envelope(deps.now(), ocpiStatus.serverError, 'Service unavailable (simulated outage)') };
      record(reply, 'unavailable');
      send(response, request, reply);
      return;
    }
    const delay = deps.faults.delayOf(target);
    if (delay > 0) await sleep(delay);
  }

  let reply: Reply;
  try {
    reply = await route(deps, method, url, segments, request, text);
  } catch (error) {
    if (!(error instanceof BadRequest)) throw error;
    reply = { status: 400, body: envelope(deps.now(), ocpiStatus.clientError, error.message) };
  }
  record(reply);
  send(response, request, reply);
}

async function route(deps: EmspServerDeps, method: string, url: URL, segments: string[], request: IncomingMessage, text: string): Promise<Reply> {
  const now = deps.now();
  const token = tokenOfAuthorization(request.headers.authorization, deps.encoding());
  const caller = deps.registration.callerOf(token);
  if (segments[0] !== 'ocpi') return notFound(now);
  if (!caller) return { status: 401, body: envelope(now, ocpiStatus.clientError, 'Unauthorized: missing or unknown token') };
  const body = () => parsedBody(text);

  if (segments.length === 2 && segments[1] === 'versions' && method === 'GET')
    return ok(now, [{ version: ocpiVersion, url: deps.urls().details }]);
  if (segments.length === 2 && segments[1] === ocpiVersion && method === 'GET')
    return ok(now, { version: ocpiVersion, endpoints: emspEndpoints(deps.urls()) });
  if (segments.length === 3 && segments[1] === ocpiVersion && segments[2] === 'credentials') {
    const answer = await deps.registration.answer(method, token!, caller, method === 'POST' || method === 'PUT' ? body() : undefined);
    return { status: answer.httpStatus, body: envelope(now, answer.statusCode, answer.message, answer.data) };
  }
  if (segments[1] !== 'emsp' || segments[2] !== ocpiVersion) return notFound(now);
  if (caller !== 'partner') return { status: 401, body: envelope(now, ocpiStatus.clientError, 'Unauthorized: token A only opens the credentials module') };

  const [module, ...path] = segments.slice(3);
  switch (module) {
    case 'locations':
      return locations(deps, method, path, body, now);
    case 'sessions':
      return sessions(deps, method, path, body, now);
    case 'cdrs':
      return cdrs(deps, method, path, body, now);
    case 'tariffs':
      return tariffs(deps, method, path, body, now);
    case 'tokens':
      return tokens(deps, method, url, path, text === '' ? undefined : body(), now);
    case 'commands':
      return commandResult(deps, method, path, body, now);
    default:
      return notFound(now);
  }
}

function locations(deps: EmspServerDeps, method: string, path: string[], body: () => OcpiObject, now: Date): Reply {
  const [countryCode, partyId, locationId, evseUid, connectorId] = path;
  if (!countryCode || !partyId || !locationId || path.length > 5) return notFound(now);
  const key = objectKey(countryCode, partyId, locationId);
  const stored = deps.received.locations;
  const location = stored.get(key);
  const evses = () => (location?.['evses'] ?? []) as OcpiObject[];
  const evse = evseUid === undefined ? undefined : evses().find((candidate) => candidate['uid'] === evseUid);
  const connectors = () => (evse?.['connectors'] ?? []) as OcpiObject[];
  const connector = connectorId === undefined ? undefined : connectors().find((candidate) => candidate['id'] === connectorId);
  const existing = connectorId !== undefined ? connector : evseUid !== undefined ? evse : location;

  if (method === 'GET') return existing ? ok(now, existing) : { status: 404, body: envelope(now, ocpiStatus.unknownLocation, 'Unknown location') };
  if (method !== 'PUT' && method !== 'PATCH') return methodNotAllowed(now, method);
  const object = body();
  if (evseUid !== undefined && !location) return { status: 404, body: envelope(now, ocpiStatus.unknownLocation, `Unknown location ${locationId}`) };
  if (connectorId !== undefined && !evse) return { status: 404, body: envelope(now, ocpiStatus.unknownLocation, `Unknown EVSE ${evseUid}`) };
  const [idField, idValue] = connectorId !== undefined ? ['id', connectorId] : evseUid !== undefined ? ['uid', evseUid] : ['id', locationId];

  if (method === 'PUT') {
    if (object[idField] !== undefined && object[idField] !== idValue) return invalid(now, `${idField}: ${String(object[idField])} differs from the URL (${idValue})`);
    const missing = ['last_updated'].find((field) => object[field] === undefined);
    if (missing) return invalid(now, `${missing}: required`);
    if (connectorId !== undefined) replaceIn(evse!, 'connectors', 'id', connectorId, object);
    else if (evseUid !== undefined) replaceIn(location!, 'evses', 'uid', evseUid, object);
    else stored.set(key, structuredClone(object));
    if (location && evseUid !== undefined) location['last_updated'] = object['last_updated'];
    return existing ? ok(now) : { status: 201, body: envelope(now, ocpiStatus.success, 'Created') };
  }
  if (!existing) return { status: 404, body: envelope(now, ocpiStatus.unknownLocation, 'Unknown location object') };
  if (object['last_updated'] === undefined) return invalid(now, 'last_updated: required in a PATCH');
  Object.assign(existing, structuredClone(object));
  if (location && existing !== location) location['last_updated'] = object['last_updated'];
  if (evse && connector) evse['last_updated'] = object['last_updated'];
  return ok(now);
}

function replaceIn(parent: OcpiObject, field: string, idField: string, id: string, object: OcpiObject): void {
  const list = ((parent[field] ?? []) as OcpiObject[]).filter((item) => item[idField] !== id);
  list.push(structuredClone({ ...object, [idField]: id }));
  parent[field] = list;
}

function sessions(deps: EmspServerDeps, method: string, path: string[], body: () => OcpiObject, now: Date): Reply {
  const [countryCode, partyId, id] = path;
  if (!countryCode || !partyId || !id || path.length > 3) return notFound(now);
  const key = objectKey(countryCode, partyId, id);
  const existing = deps.received.sessions.get(key);
  if (method === 'GET') return existing ? ok(now, existing.current) : notFound(now, 'Unknown session');
  if (method !== 'PUT' && method !== 'PATCH') return methodNotAllowed(now, method);
  const object = body();
  const at = now.toISOString();
  if (method === 'PUT') {
    if (object['id'] !== undefined && object['id'] !== id) return invalid(now, `id: ${String(object['id'])} differs from the URL (${id})`);
    const missing = ['country_code', 'party_id', 'id', 'start_date_time', 'kwh', 'cdr_token', 'auth_method', 'location_id', 'evse_uid', 'connector_id', 'currency', 'status', 'last_updated'].find(
      (field) => object[field] === undefined,
    );
    if (missing) return invalid(now, `${missing}: required`);
    const update = { method: 'PUT' as const, body: structuredClone(object), at };
    if (existing) {
      existing.current = structuredClone(object);
      existing.updates.push(update);
      return ok(now);
    }
    deps.received.sessions.set(key, { countryCode, partyId, id, current: structuredClone(object), updates: [update] });
    return { status: 201, body: envelope(now, ocpiStatus.success, 'Created') };
  }
  if (!existing) return notFound(now, 'Unknown session');
  if (object['last_updated'] === undefined) return invalid(now, 'last_updated: required in a PATCH');
  const { charging_periods: periods, ...fields } = structuredClone(object);
  // mod_sessions PATCH: charging_periods are added to the existing list, never replace it.
  const appended = Array.isArray(periods) && periods.length > 0 ? { charging_periods: [...((existing.current['charging_periods'] ?? []) as unknown[]), ...periods] } : {};
  existing.current = { ...existing.current, ...fields, ...appended };
  existing.updates.push({ method: 'PATCH', body: structuredClone(object), at });
  return ok(now);
}

function cdrs(deps: EmspServerDeps, method: string, path: string[], body: () => OcpiObject, now: Date): Reply {
  if (method === 'GET' && path.length === 1) {
    const record = deps.received.cdrs.get(path[0]!);
    return record ? ok(now, record.cdr) : notFound(now, 'Unknown CDR');
  }
  if (path.length > 0) return notFound(now);
  if (method !== 'POST') return methodNotAllowed(now, method);
  const cdr = body();
  const missing = ['country_code', 'party_id', 'id', 'start_date_time', 'end_date_time', 'cdr_token', 'auth_method', 'cdr_location', 'currency', 'charging_periods', 'total_cost', 'total_energy', 'total_time', 'last_updated'].find(
    (field) => cdr[field] === undefined,
  );
  if (missing) return invalid(now, `${missing}: required`);
  const key = `${String(cdr['country_code'])}-${String(cdr['party_id'])}-${String(cdr['id'])}`;
  const location = `${deps.urls().module('cdrs')}/${encodeURIComponent(key)}`;
  const existing = deps.received.cdrs.get(key);
  if (existing) existing.deliveries += 1;
  else deps.received.cdrs.set(key, { key, cdr: structuredClone(cdr), location, receivedAt: now.toISOString(), deliveries: 1 });
  // mod_cdrs: the answer to the POST carries the CDR's URL in a Location header, not in the body.
  return { status: existing ? 200 : 201, body: envelope(now, ocpiStatus.success, existing ? 'Already received' : 'Created'), headers: { location } };
}

function tariffs(deps: EmspServerDeps, method: string, path: string[], body: () => OcpiObject, now: Date): Reply {
  const [countryCode, partyId, id] = path;
  if (!countryCode || !partyId || !id || path.length > 3) return notFound(now);
  const key = objectKey(countryCode, partyId, id);
  const existing = deps.received.tariffs.get(key);
  switch (method) {
    case 'GET':
      return existing ? ok(now, existing) : notFound(now, 'Unknown tariff');
    case 'PUT': {
      const tariff = body();
      if (tariff['id'] !== undefined && tariff['id'] !== id) return invalid(now, `id: ${String(tariff['id'])} differs from the URL (${id})`);
      const missing = ['country_code', 'party_id', 'id', 'currency', 'elements', 'last_updated'].find((field) => tariff[field] === undefined);
      if (missing) return invalid(now, `${missing}: required`);
      deps.received.tariffs.set(key, structuredClone(tariff));
      return existing ? ok(now) : { status: 201, body: envelope(now, ocpiStatus.success, 'Created') };
    }
    case 'DELETE':
      if (!existing) return notFound(now, 'Unknown tariff');
      deps.received.tariffs.delete(key);
      deps.received.deletedTariffs.push(key);
      return ok(now);
    default:
      return methodNotAllowed(now, method);
  }
}

const tokenTypes: readonly TokenType[] = ['AD_HOC_USER', 'APP_USER', 'OTHER', 'RFID'];

function tokens(deps: EmspServerDeps, method: string, url: URL, path: string[], body: OcpiObject | undefined, now: Date): Reply {
  if (path.length === 0 && method === 'GET') {
    const offset = nonNegativeIntegerParam(url.searchParams.get('offset'));
    const limit = nonNegativeIntegerParam(url.searchParams.get('limit'));
    if (offset === 'invalid') return invalid(now, 'offset: expected a non-negative integer');
    if (limit === 'invalid') return invalid(now, 'limit: expected a non-negative integer');
    const dateFrom = dateParam(url, 'date_from');
    const dateTo = dateParam(url, 'date_to');
    if (dateFrom === 'invalid' || dateTo === 'invalid') return invalid(now, 'date_from/date_to: expected an RFC 3339 date-time');
    const all = deps.tokens.list(dateFrom, dateTo);
    const page = pageOf(all.length, { ...(offset === undefined ? {} : { offset }), ...(limit === undefined ? {} : { limit }) }, deps.tokensPageLimit);
    const next = nextPageUrl(new URL(url.pathname + url.search, deps.urls().base), page);
    return {
      status: 200,
      body: envelope(now, ocpiStatus.success, 'Success', all.slice(page.offset, page.offset + page.limit)),
      headers: {
        'x-total-count': String(all.length),
        'x-limit': String(deps.tokensPageLimit),
        ...(next ? { link: `<${next}>; rel="next"` } : {}),
      },
    };
  }
  if (path.length === 2 && path[1] === 'authorize') {
    if (method !== 'POST') return methodNotAllowed(now, method);
    const type = (url.searchParams.get('type') ?? 'RFID') as TokenType;
    if (!tokenTypes.includes(type)) return invalid(now, `type: expected one of ${tokenTypes.join(', ')}`);
    const uid = path[0]!;
    const answer = deps.tokens.authorize(uid, type, body);
    const allowed = answer.kind === 'answered' ? answer.info.allowed : 'UNKNOWN';
    deps.received.authorizations.push({
      uid,
      type,
      allowed,
      ...(answer.kind === 'answered' ? { authorizationReference: answer.info.authorization_reference } : {}),
      ...(body ? { locationReferences: body } : {}),
      at: now.toISOString(),
    });
    if (answer.kind === 'unknown-token') return { status: 404, body: envelope(now, ocpiStatus.unknownToken, `Unknown token ${uid}`) };
    if (answer.kind === 'needs-location') return { status: 200, body: envelope(now, ocpiStatus.notEnoughInformation, 'LocationReferences required') };
    return ok(now, answer.info);
  }
  return notFound(now);
}

function commandResult(deps: EmspServerDeps, method: string, path: string[], body: () => OcpiObject, now: Date): Reply {
  const [type, id] = path;
  if (!type || !id || path.length !== 2 || !commandTypes.includes(type as CommandType)) return notFound(now);
  if (method !== 'POST') return methodNotAllowed(now, method);
  const result = body();
  if (typeof result['result'] !== 'string') return invalid(now, 'result: required');
  return deps.onCommandResult(type as CommandType, id, result as unknown as CommandResult)
    ? ok(now)
    : notFound(now, `No ${type} command ${id} was sent`);
}

function dateParam(url: URL, name: string): Date | undefined | 'invalid' {
  const value = url.searchParams.get(name);
  if (value === null) return undefined;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? 'invalid' : new Date(parsed);
}

function targetOf(segments: string[]): FaultTarget | undefined {
  if (segments[0] !== 'ocpi') return undefined;
  if (segments[1] === 'versions' || (segments[1] === ocpiVersion && segments.length === 2)) return 'versions';
  if (segments[1] === ocpiVersion && segments[2] === 'credentials') return 'credentials';
  const module = segments[3];
  return module === 'locations' || module === 'sessions' || module === 'cdrs' || module === 'tariffs' || module === 'tokens' || module === 'commands'
    ? module
    : undefined;
}

function parsedBody(text: string): OcpiObject {
  const parsed = parseOrText(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadRequest('Request body: expected a JSON object');
  return parsed as OcpiObject;
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, request: IncomingMessage, reply: Reply): void {
  const echoed = Object.fromEntries(
    ['x-request-id', 'x-correlation-id'].flatMap((name) => {
      const value = request.headers[name];
      return typeof value === 'string' ? [[name, value]] : [];
    }),
  );
  const headers = { ...echoed, ...(reply.headers ?? {}), ...(reply.body ? { 'content-type': 'application/json' } : {}) };
  response.writeHead(reply.status, headers);
  response.end(reply.body ? JSON.stringify(reply.body) : undefined);
}

function ok(now: Date, data?: unknown): Reply {
  return { status: 200, body: envelope(now, ocpiStatus.success, 'Success', data) };
}

function invalid(now: Date, message: string): Reply {
  return { status: 200, body: envelope(now, ocpiStatus.invalidParameters, message) };
}

function notFound(now: Date, message = 'Not found'): Reply {
  return { status: 404, body: envelope(now, ocpiStatus.clientError, message) };
}

function methodNotAllowed(now: Date, method: string): Reply {
  return { status: 405, body: envelope(now, ocpiStatus.clientError, `${method} not allowed here`) };
}
