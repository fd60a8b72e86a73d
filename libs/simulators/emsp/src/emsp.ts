import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OcpiClient, type OcpiReply, type PartyRef } from './client';
import { Faults, type FaultSettings, type FaultTarget, type OutageMode } from './faults';
import type { CommandResponse, CommandResult, CommandType, Credentials, OcpiObject, Token } from './model';
import { Received, type ReceivedSnapshot } from './received';
import { type PartnerLink, Registration, RegistrationError } from './registration';
import { emspRequestHandler, type EmspUrls, emspUrls } from './server';
import { settlementFile, type SettlementFile, type SettlementOptions } from './settlement';
import { TokenBook } from './tokens';
import { nextLinkOf, type TokenEncoding } from './transport';

export interface EmspSimulatorOptions {
  /** 0 picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** Base URL the CPO should use when it differs from http://host:port (a proxy, a container). */
  readonly publicUrl?: string;
  readonly countryCode?: string;
  readonly partyId?: string;
  readonly businessName?: string;
  readonly tokenEncoding?: TokenEncoding;
  readonly faults?: FaultSettings;
  /** The eMSP's tokens: listed by GET tokens and answered by real-time authorization. */
  readonly tokens?: readonly Token[];
  /** Answer 2002 to a real-time authorization without LocationReferences (mod_tokens allows it). */
  readonly requireLocationForAuthorization?: boolean;
  /** The server's maximum page size, sent as X-Limit. */
  readonly tokensPageLimit?: number;
  /** A token A issued at start, for a CPO that registers with us. */
  readonly tokenA?: string;
  /** Where `dump()` and `stop()` write everything received, as JSON. */
  readonly dataFile?: string;
  readonly requestTimeoutMs?: number;
  /** How long `SentCommand.result` waits for the CommandResult before it rejects. */
  readonly commandResultTimeoutMs?: number;
  readonly now?: () => Date;
}

export interface SentCommand {
  readonly id: string;
  readonly type: CommandType;
  readonly responseUrl: string;
  readonly httpStatus: number;
  readonly ocpiStatus?: number;
  /** The synchronous CommandResponse; absent when the CPO did not answer with one. */
  readonly response?: CommandResponse;
  /** The CommandResult POSTed to response_url; rejects when the command was not ACCEPTED or no result came in time. */
  readonly result: Promise<CommandResult>;
}

export interface LocationPage {
  readonly url: string;
  readonly count: number;
  readonly totalCount?: number;
  readonly limit?: number;
  readonly next?: string;
}

export interface LocationPages {
  readonly locations: readonly OcpiObject[];
  readonly pages: readonly LocationPage[];
}

export interface EmspSimulator {
  readonly versionsUrl: string;
  readonly urls: EmspUrls;
  readonly party: PartyRef;
  /** Live records; `snapshot()` for a copy. */
  readonly received: Received;
  readonly tokens: TokenBook;
  readonly partner: PartnerLink | undefined;
  setTokenEncoding(encoding: TokenEncoding): void;
  issueTokenA(token?: string): string;
  registerWithCpo(options: { cpoVersionsUrl: string; tokenA: string }): Promise<PartnerLink>;
  updateCredentials(): Promise<PartnerLink>;
  unregister(): Promise<void>;
  sendCommand(type: CommandType, command: OcpiObject): Promise<SentCommand>;
  pushToken(token: Token): Promise<OcpiReply<unknown>>;
  getLocations(options?: { offset?: number; limit?: number; maxPages?: number }): Promise<LocationPages>;
  responseUrlDownFor(ms: number, mode?: OutageMode): void;
  cdrEndpointDownFor(ms: number, mode?: OutageMode): void;
  endpointDownFor(target: FaultTarget, ms: number, mode?: OutageMode): void;
  restoreEndpoint(target: FaultTarget): void;
  slowResponses(ms: number, target?: FaultTarget): void;
  settlementFile(options: SettlementOptions): SettlementFile;
  snapshot(): ReceivedSnapshot;
  dump(file?: string): void;
  stop(): Promise<void>;
}

interface PendingResult {
  resolve(result: CommandResult): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export async function startEmspSimulator(options: EmspSimulatorOptions = {}): Promise<EmspSimulator> {
  const now = options.now ?? (() => new Date());
  const party: PartyRef = { countryCode: options.countryCode ?? 'NL', partyId: options.partyId ?? 'EMS' };
  let encoding: TokenEncoding = options.tokenEncoding ?? 'base64';
  const received = new Received();
  const faults = Faults.from(options.faults, () => now().getTime());
  const tokens = new TokenBook(options.tokens ?? [], options.requireLocationForAuthorization ?? false);
  const pending = new Map<string, PendingResult>();
  let urls: EmspUrls | undefined;
  const currentUrls = () => urls ?? fail('the simulator is not listening');

  const client: OcpiClient = new OcpiClient({
    encoding: () => encoding,
    from: party,
    to: (): PartyRef | undefined => {
      const cpo = registration.partner?.roles.find((role) => role.role === 'CPO') ?? registration.partner?.roles[0];
      return cpo ? { countryCode: cpo.country_code, partyId: cpo.party_id } : undefined;
    },
    record: (call) => void received.calls.push(call),
    now,
    timeoutMs: options.requestTimeoutMs ?? 10_000,
  });
  const ourCredentials = (token: string): Credentials => ({
    token,
    url: currentUrls().versions,
    roles: [
      {
        role: 'EMSP',
        country_code: party.countryCode,
        party_id: party.partyId,
        business_details: { name: options.businessName ?? `Simulated eMSP ${party.countryCode}*${party.partyId}` },
      },
    ],
  });
  const registration: Registration = new Registration(client, ourCredentials);
  if (options.tokenA) registration.issueTokenA(options.tokenA);

  const onCommandResult = (type: CommandType, id: string, result: CommandResult): boolean => {
    const command = received.commands.get(id);
    if (!command || command.type !== type) return false;
    command.results.push({ result: structuredClone(result), at: now().toISOString() });
    const waiting = pending.get(id);
    if (waiting) {
      pending.delete(id);
      clearTimeout(waiting.timer);
      waiting.resolve(result);
    }
    return true;
  };

  const server = createServer(
    emspRequestHandler({
      received,
      faults,
      registration,
      tokens,
      encoding: () => encoding,
      now,
      urls: currentUrls,
      tokensPageLimit: options.tokensPageLimit ?? 100,
      onCommandResult,
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  urls = emspUrls((options.publicUrl ?? `http://${host}:${address.port}`).replace(/\/$/, ''));

  const requirePartner = () => registration.partner ?? fail('not registered with a CPO');
  const cpoEndpoint = (identifier: string, role: 'SENDER' | 'RECEIVER') => {
    requirePartner();
    return (
      registration.endpointOf(identifier, role) ?? registration.endpointOf(identifier) ?? fail(`the CPO lists no ${identifier} ${role} endpoint`)
    );
  };

  const awaitResult = (id: string): Promise<CommandResult> => {
    const result = new Promise<CommandResult>((resolve, reject) => {
      const timeoutMs = options.commandResultTimeoutMs ?? 120_000;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`no CommandResult for ${id} within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      pending.set(id, { resolve, reject, timer });
    });
    result.catch(() => undefined);
    return result;
  };

  const simulator: EmspSimulator = {
    versionsUrl: urls.versions,
    urls,
    party,
    received,
    tokens,
    get partner() {
      return registration.partner;
    },
    setTokenEncoding: (next) => void (encoding = next),
    issueTokenA: (token) => registration.issueTokenA(token),
    registerWithCpo: ({ cpoVersionsUrl, tokenA }) => registration.registerWithCpo(cpoVersionsUrl, tokenA),
    updateCredentials: () => registration.updateCredentials(),
    unregister: () => registration.unregister(),

    async sendCommand(type, command) {
      const url = `${cpoEndpoint('commands', 'RECEIVER').replace(/\/$/, '')}/${type}`;
      const id = randomUUID();
      const responseUrl = `${currentUrls().module('commands')}/${type}/${id}`;
      const request = { ...command, response_url: responseUrl };
      received.commands.set(id, { id, type, request: structuredClone(request), responseUrl, results: [] });
      const result = awaitResult(id);
      let reply: OcpiReply<CommandResponse>;
      try {
        reply = await client.call<CommandResponse>('POST', url, requirePartner().outboundToken, request);
      } catch (error) {
        settleUnaccepted(id, `${type} was not delivered: ${(error as Error).message}`);
        throw error;
      }
      const record = received.commands.get(id)!;
      const response = reply.body?.data;
      record.ocpiStatus = reply.body?.status_code ?? 0;
      if (response) record.response = response;
      if (response?.result !== 'ACCEPTED' && record.results.length === 0)
        settleUnaccepted(id, `${type} was answered ${response?.result ?? `HTTP ${reply.httpStatus}`}`);
      return {
        id,
        type,
        responseUrl,
        httpStatus: reply.httpStatus,
        ...(reply.body ? { ocpiStatus: reply.body.status_code } : {}),
        ...(response ? { response } : {}),
        result,
      };
    },

    async pushToken(token) {
      tokens.put(token);
      const base = cpoEndpoint('tokens', 'RECEIVER').replace(/\/$/, '');
      const url = `${base}/${encodeURIComponent(token.country_code)}/${encodeURIComponent(token.party_id)}/${encodeURIComponent(token.uid)}?type=${token.type}`;
      return (await client.data<unknown>('PUT', url, requirePartner().outboundToken, token)).reply;
    },

    async getLocations({ offset, limit, maxPages = 1000 } = {}) {
      const first = new URL(cpoEndpoint('locations', 'SENDER'));
      if (offset !== undefined) first.searchParams.set('offset', String(offset));
      if (limit !== undefined) first.searchParams.set('limit', String(limit));
      const locations: OcpiObject[] = [];
      const pages: LocationPage[] = [];
      let url: string | undefined = first.toString();
      while (url !== undefined && pages.length < maxPages) {
        const { data, reply }: { data: OcpiObject[]; reply: OcpiReply<OcpiObject[]> } = await client.data<OcpiObject[]>('GET', url, requirePartner().outboundToken);
        const items = Array.isArray(data) ? data : [];
        locations.push(...items);
        const next = nextLinkOf(reply.headers.get('link'));
        const totalCount = integerHeader(reply.headers.get('x-total-count'));
        const pageLimit = integerHeader(reply.headers.get('x-limit'));
        pages.push({
          url,
          count: items.length,
          ...(totalCount === undefined ? {} : { totalCount }),
          ...(pageLimit === undefined ? {} : { limit: pageLimit }),
          ...(next === undefined ? {} : { next }),
        });
        url = next;
      }
      return { locations, pages };
    },

    responseUrlDownFor: (ms, mode) => faults.downFor('commands', ms, mode),
    cdrEndpointDownFor: (ms, mode) => faults.downFor('cdrs', ms, mode),
    endpointDownFor: (target, ms, mode) => faults.downFor(target, ms, mode),
    restoreEndpoint: (target) => faults.restore(target),
    slowResponses: (ms, target) => faults.slow(ms, target),
    settlementFile: (settlement) => settlementFile([...received.cdrs.values()].map((record) => record.cdr), settlement),
    snapshot: () => received.snapshot(),
    dump(file = options.dataFile) {
      if (file === undefined) fail('no file to dump to: pass one or set dataFile');
      received.writeTo(file);
    },
    async stop() {
      for (const [id] of pending) settleUnaccepted(id, 'the eMSP simulator stopped');
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (options.dataFile !== undefined) received.writeTo(options.dataFile);
    },
  };
  return simulator;

  function settleUnaccepted(id: string, reason: string): void {
    const waiting = pending.get(id);
    if (!waiting) return;
    pending.delete(id);
    clearTimeout(waiting.timer);
    waiting.reject(new Error(reason));
  }
}

function integerHeader(value: string | null): number | undefined {
  return value !== null && /^\d+$/.test(value.trim()) ? Number(value) : undefined;
}

function fail(message: string): never {
  throw new RegistrationError(2000, message);
}
