import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandResponse, CommandResult, Credentials, Endpoint, OcpiObject, OcpiResponse, Version, VersionDetails } from '../model';
import { authorizationHeader, envelope, nextLinkOf, nextPageUrl, pageOf, tokenOfAuthorization, type TokenEncoding } from '../transport';

export interface FakeCpoOptions {
  readonly tokenA?: string;
  readonly locations?: number;
  readonly locationsPageLimit?: number;
  readonly commandResponse?: CommandResponse['result'];
  readonly commandResult?: CommandResult['result'];
  readonly retryEveryMs?: number;
  readonly encoding?: TokenEncoding;
}

export interface DeliveryAttempt {
  readonly url: string;
  readonly status: number;
  readonly error?: string;
}

export interface FakeCpo {
  readonly versionsUrl: string;
  readonly tokenA: string;
  /** Token the CPO uses to call the eMSP (B), and the one it accepts from it (C). */
  readonly tokens: { readonly toEmsp?: string; readonly fromEmsp?: string; readonly retiredFromEmsp: readonly string[] };
  readonly emspCredentials: () => Credentials | undefined;
  readonly emspEndpoints: () => readonly Endpoint[];
  readonly receivedTokens: Map<string, OcpiObject>;
  readonly commands: { readonly type: string; readonly body: OcpiObject }[];
  readonly deliveries: DeliveryAttempt[];
  readonly inbound: { readonly method: string; readonly path: string; readonly status: number }[];
  /** CPO-initiated registration with the eMSP's token A. */
  registerWith(emspVersionsUrl: string, tokenA: string): Promise<OcpiResponse<Credentials>>;
  /** CPO-initiated PUT credentials: a new token for the eMSP to use, a new one from it. */
  rotateCredentials(): Promise<OcpiResponse<Credentials>>;
  /** Calls an eMSP endpoint with token B; resolves with the HTTP reply. */
  callEmsp(method: string, url: string, body?: unknown): Promise<{ status: number; body?: OcpiResponse; headers: Headers }>;
  emspModule(identifier: string): string;
  /** POSTs until the eMSP answers 2xx with 1000, like the CPO's reliable push must. */
  deliver(url: string, body: unknown): Promise<{ status: number; headers: Headers; attempts: number }>;
  close(): Promise<void>;
}

/** A minimal OCPI 2.2.1 CPO for tests: credentials, commands and tokens receiver, a paginated locations sender. */
export async function startFakeCpo(options: FakeCpoOptions = {}): Promise<FakeCpo> {
  const tokenA = options.tokenA ?? randomUUID();
  const encoding = options.encoding ?? 'base64';
  const retryEveryMs = options.retryEveryMs ?? 20;
  const locationsPageLimit = options.locationsPageLimit ?? 10;
  const locations = Array.from({ length: options.locations ?? 0 }, (_, index) => ({
    country_code: 'NL',
    party_id: 'CPO',
    id: `LOC${String(index + 1).padStart(4, '0')}`,
    last_updated: '2024-01-01T00:00:00Z',
  }));
  let tokenAValid = true;
  let toEmsp: string | undefined;
  let fromEmsp: string | undefined;
  const retiredFromEmsp: string[] = [];
  let emspCredentials: Credentials | undefined;
  let emspEndpoints: readonly Endpoint[] = [];
  const receivedTokens = new Map<string, OcpiObject>();
  const commands: { type: string; body: OcpiObject }[] = [];
  const deliveries: DeliveryAttempt[] = [];
  const inbound: { method: string; path: string; status: number }[] = [];
  let closed = false;
  let base = '';

  const call = async (method: string, url: string, token: string, body?: unknown) => {
    const response = await fetch(url, {
      method,
      headers: {
        authorization: authorizationHeader(token, encoding),
        'x-request-id': randomUUID(),
        'x-correlation-id': randomUUID(),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, ...(text ? { body: JSON.parse(text) as OcpiResponse } : {}) };
  };

  const discoverEmsp = async (credentials: Credentials) => {
    const versions = await call('GET', credentials.url, credentials.token);
    const version = (versions.body?.data as Version[] | undefined)?.find((candidate) => candidate.version === '2.2.1');
    if (!version) throw new Error('the eMSP offers no 2.2.1');
    const details = await call('GET', version.url, credentials.token);
    if (details.status !== 200) throw new Error(`version details: HTTP ${details.status}`);
    emspEndpoints = (details.body?.data as VersionDetails).endpoints;
  };

  const deliver = async (url: string, body: unknown) => {
    for (let attempts = 1; ; attempts++) {
      if (closed) throw new Error('fake CPO closed');
      try {
        const reply = await call('POST', url, toEmsp!, body);
        deliveries.push({ url, status: reply.status });
        if (reply.status >= 200 && reply.status < 300 && reply.body?.status_code === 1000) return { status: reply.status, headers: reply.headers, attempts };
      } catch (error) {
        deliveries.push({ url, status: 0, error: (error as Error).message });
      }
      await sleep(retryEveryMs);
    }
  };

  const credentialsReply = (token: string): Credentials => ({
    token,
    url: `${base}/ocpi/versions`,
    roles: [{ role: 'CPO', country_code: 'NL', party_id: 'CPO', business_details: { name: 'Fake CPO' } }],
  });

  const route = async (request: IncomingMessage, url: URL, body: OcpiObject | undefined): Promise<{ status: number; body: OcpiResponse; headers?: Record<string, string> }> => {
    const now = new Date();
    const token = tokenOfAuthorization(request.headers.authorization, encoding);
    const isA = tokenAValid && token === tokenA;
    const isEmsp = token !== undefined && token === fromEmsp;
    const path = url.pathname;
    if (!isA && !isEmsp) return { status: 401, body: envelope(now, 2000, 'Unauthorized') };
    if (path === '/ocpi/versions') return { status: 200, body: envelope(now, 1000, 'Success', [{ version: '2.2.1', url: `${base}/ocpi/2.2.1` }]) };
    if (path === '/ocpi/2.2.1') {
      const endpoints: Endpoint[] = [
        { identifier: 'credentials', role: 'RECEIVER', url: `${base}/ocpi/2.2.1/credentials` },
        { identifier: 'locations', role: 'SENDER', url: `${base}/ocpi/cpo/2.2.1/locations` },
        { identifier: 'tokens', role: 'RECEIVER', url: `${base}/ocpi/cpo/2.2.1/tokens` },
        { identifier: 'commands', role: 'RECEIVER', url: `${base}/ocpi/cpo/2.2.1/commands` },
      ];
      return { status: 200, body: envelope(now, 1000, 'Success', { version: '2.2.1', endpoints }) };
    }
    if (path === '/ocpi/2.2.1/credentials') {
      if (request.method === 'GET') return { status: 200, body: envelope(now, 1000, 'Success', credentialsReply(token!)) };
      if (request.method === 'POST' && !isA) return { status: 405, body: envelope(now, 2000, 'Already registered') };
      if ((request.method === 'PUT' || request.method === 'DELETE') && !isEmsp) return { status: 405, body: envelope(now, 2000, 'Not registered') };
      if (request.method === 'DELETE') {
        if (fromEmsp) retiredFromEmsp.push(fromEmsp);
        fromEmsp = undefined;
        toEmsp = undefined;
        return { status: 200, body: envelope(now, 1000, 'Success') };
      }
      const credentials = body as unknown as Credentials;
      try {
        await discoverEmsp(credentials);
      } catch (error) {
        return { status: 200, body: envelope(now, 3001, (error as Error).message) };
      }
      emspCredentials = credentials;
      toEmsp = credentials.token;
      if (fromEmsp) retiredFromEmsp.push(fromEmsp);
      fromEmsp = randomUUID();
      tokenAValid = false;
      return { status: 200, body: envelope(now, 1000, 'Success', credentialsReply(fromEmsp)) };
    }
    if (!isEmsp) return { status: 401, body: envelope(now, 2000, 'Token A only opens credentials') };
    const commandMatch = /^\/ocpi\/cpo\/2\.2\.1\/commands\/([A-Z_]+)$/.exec(path);
    if (commandMatch && request.method === 'POST') {
      const type = commandMatch[1]!;
      commands.push({ type, body: body! });
      const result = options.commandResponse ?? 'ACCEPTED';
      if (result === 'ACCEPTED') {
        const responseUrl = String(body!['response_url']);
        setImmediate(() => void deliver(responseUrl, { result: options.commandResult ?? 'ACCEPTED' }).catch(() => undefined));
      }
      return { status: 200, body: envelope(now, 1000, 'Success', { result, timeout: 30 }) };
    }
    const tokenMatch = /^\/ocpi\/cpo\/2\.2\.1\/tokens\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(path);
    if (tokenMatch && request.method === 'PUT') {
      const created = !receivedTokens.has(tokenMatch[3]!);
      receivedTokens.set(tokenMatch[3]!, body!);
      return { status: created ? 201 : 200, body: envelope(now, 1000, 'Success') };
    }
    if (path === '/ocpi/cpo/2.2.1/locations' && request.method === 'GET') {
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const limit = url.searchParams.has('limit') ? Number(url.searchParams.get('limit')) : undefined;
      const page = pageOf(locations.length, { offset, ...(limit === undefined ? {} : { limit }) }, locationsPageLimit);
      const next = nextPageUrl(url, page);
      return {
        status: 200,
        body: envelope(now, 1000, 'Success', locations.slice(page.offset, page.offset + page.limit)),
        headers: {
          'x-total-count': String(locations.length),
          'x-limit': String(locationsPageLimit),
          ...(next ? { link: `<${next}>; rel="next"` } : {}),
        },
      };
    }
    return { status: 404, body: envelope(now, 2000, 'Not found') };
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      const url = new URL(request.url ?? '/', base);
      const reply = await route(request, url, text ? (JSON.parse(text) as OcpiObject) : undefined);
      inbound.push({ method: request.method ?? '', path: url.pathname, status: reply.status });
      response.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
      response.end(JSON.stringify(reply.body));
    })().catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    versionsUrl: `${base}/ocpi/versions`,
    tokenA,
    get tokens() {
      return { ...(toEmsp ? { toEmsp } : {}), ...(fromEmsp ? { fromEmsp } : {}), retiredFromEmsp };
    },
    emspCredentials: () => emspCredentials,
    emspEndpoints: () => emspEndpoints,
    receivedTokens,
    commands,
    deliveries,
    inbound,
    async registerWith(emspVersionsUrl, emspTokenA) {
      const ourB = randomUUID();
      const versions = await call('GET', emspVersionsUrl, emspTokenA);
      const version = (versions.body?.data as Version[]).find((candidate) => candidate.version === '2.2.1')!;
      const details = await call('GET', version.url, emspTokenA);
      emspEndpoints = (details.body?.data as VersionDetails).endpoints;
      const credentialsUrl = emspEndpoints.find((endpoint) => endpoint.identifier === 'credentials')!.url;
      fromEmsp = ourB;
      const reply = await call('POST', credentialsUrl, emspTokenA, credentialsReply(ourB));
      const credentials = reply.body?.data as Credentials | undefined;
      if (credentials) {
        toEmsp = credentials.token;
        emspCredentials = credentials;
      }
      return reply.body as OcpiResponse<Credentials>;
    },
    async rotateCredentials() {
      const credentialsUrl = emspEndpoints.find((endpoint) => endpoint.identifier === 'credentials')!.url;
      const previous = fromEmsp;
      fromEmsp = randomUUID();
      const reply = await call('PUT', credentialsUrl, toEmsp!, credentialsReply(fromEmsp));
      const credentials = reply.body?.data as Credentials | undefined;
      if (credentials) {
        if (previous) retiredFromEmsp.push(previous);
        toEmsp = credentials.token;
        emspCredentials = credentials;
      } else fromEmsp = previous;
      return reply.body as OcpiResponse<Credentials>;
    },
    callEmsp: (method, url, body) => call(method, url, toEmsp!, body),
    emspModule(identifier) {
      const endpoint = emspEndpoints.find((candidate) => candidate.identifier === identifier);
      if (!endpoint) throw new Error(`the eMSP lists no ${identifier} endpoint`);
      return endpoint.url;
    },
    deliver,
    async close() {
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Follows Link rel="next" from `url` and returns every page's headers and items. */
export async function followPages(
  fetchPage: (url: string) => Promise<{ body?: OcpiResponse; headers: Headers }>,
  url: string,
): Promise<{ items: unknown[]; pages: { totalCount: string | null; limit: string | null; count: number; next?: string }[] }> {
  const items: unknown[] = [];
  const pages: { totalCount: string | null; limit: string | null; count: number; next?: string }[] = [];
  let next: string | undefined = url;
  while (next !== undefined && pages.length < 100) {
    const reply = await fetchPage(next);
    const data = (reply.body?.data ?? []) as unknown[];
    items.push(...data);
    next = nextLinkOf(reply.headers.get('link'));
    pages.push({ totalCount: reply.headers.get('x-total-count'), limit: reply.headers.get('x-limit'), count: data.length, ...(next ? { next } : {}) });
  }
  return { items, pages };
}
