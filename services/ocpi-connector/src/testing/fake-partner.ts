import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedCall {
  readonly method: string;
  readonly path: string;
  readonly token: string | undefined;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
}

const decode = (header: string | undefined): string | undefined => {
  const match = /^Token (\S+)$/.exec(header ?? '');
  return match ? Buffer.from(match[1]!, 'base64').toString('utf8') : undefined;
};
const token = (): string => randomBytes(18).toString('base64url');

/**
 * A minimal OCPI 2.2.1 eMSP on node:http: versions, version details and credentials (as receiver), enough for
 * both handshakes. It checks tokens the way a strict peer does, and after a POST or PUT from the CPO it calls
 * the CPO's versions with the token it was just handed, as the spec lets a receiver do.
 */
export class FakePartner {
  readonly calls: ReceivedCall[] = [];
  /** Tokens the partner accepts from the CPO. */
  readonly accepted = new Set<string>();
  /** The token the CPO gave the partner for calling the CPO. */
  tokenForCpo: string | undefined;
  private server: Server | undefined;
  baseUrl = '';

  constructor(readonly party: { countryCode: string; partyId: string; name: string }, readonly tokenA = token()) {
    this.accepted.add(tokenA);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/ocpi`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  get versionsUrl(): string {
    return `${this.baseUrl}/versions`;
  }

  credentials(tokenValue: string) {
    return {
      token: tokenValue,
      url: this.versionsUrl,
      roles: [{ role: 'EMSP', party_id: this.party.partyId, country_code: this.party.countryCode, business_details: { name: this.party.name } }],
    };
  }

  /** Calls the CPO like an eMSP would, returning status, headers and parsed body. */
  async call(method: string, url: string, tokenValue: string | undefined, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(url, {
      method,
      headers: {
        ...(tokenValue === undefined ? {} : { authorization: `Token ${Buffer.from(tokenValue).toString('base64')}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const body = raw ? (JSON.parse(raw) as Record<string, any>) : undefined;
    const presented = decode(req.headers.authorization);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    this.calls.push({ method: req.method ?? '', path, token: presented, headers: req.headers, body });
    const reply = (status: number, data: unknown, code = 1000) => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': String(req.headers['x-request-id'] ?? ''), 'x-correlation-id': String(req.headers['x-correlation-id'] ?? '') });
      res.end(JSON.stringify({ ...(data === undefined ? {} : { data }), status_code: code, timestamp: new Date().toISOString() }));
    };
    if (!presented || !this.accepted.has(presented)) return reply(401, undefined, 2000);
    if (req.method === 'GET' && path === '/ocpi/versions') return reply(200, [{ version: '2.2.1', url: `${this.baseUrl}/2.2.1` }]);
    if (req.method === 'GET' && path === '/ocpi/2.2.1') {
      return reply(200, { version: '2.2.1', endpoints: [{ identifier: 'credentials', role: 'SENDER', url: `${this.baseUrl}/2.2.1/credentials` }] });
    }
    if (path === '/ocpi/2.2.1/credentials' && (req.method === 'POST' || req.method === 'PUT')) {
      this.tokenForCpo = body!.token as string;
      const versions = await fetch(body!.url as string, { headers: { authorization: `Token ${Buffer.from(this.tokenForCpo).toString('base64')}` } });
      if (versions.status !== 200) return reply(200, undefined, 3001);
      const ours = token();
      this.accepted.clear();
      this.accepted.add(ours);
      return reply(200, this.credentials(ours));
    }
    if (path === '/ocpi/2.2.1/credentials' && req.method === 'DELETE') {
      this.accepted.clear();
      return reply(200, undefined);
    }
    return reply(404, undefined, 2000);
  }
}
