import { randomUUID } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { decodeEventJson, encodeEventJson } from '@roamgate/contracts';
import { partnerStreamName, type PartnerEndpoint } from '@roamgate/domain-ocpi';
import type { EventStore } from '@roamgate/event-store';
import { EVENT_STORE } from '@roamgate/runtime';
import type { PartnerDocument } from '../../partners/partner-documents';
import { PartnerRepository } from '../../partners/partner.repository';
import { OCPI_SETTINGS, type OcpiSettings } from '../../settings';
import { CredentialsService } from '../credentials/credentials.service';
import { OCPI_VERSION } from '../transport/module-registry';
import { OcpiClient, type OutboundRequest, type OutboundResponse } from '../transport/ocpi-client';

/** The checks of a probe, in the order they run; launch phase 1 (`partner_probe` gate) wants them all passed. */
export const PROBE_CHECKS = [
  'versions',
  'version_details',
  'credentials',
  'tokens.endpoint',
  'tokens.pagination',
  'commands.response_url',
] as const;
export type ProbeCheck = (typeof PROBE_CHECKS)[number];

export interface ProbeFinding {
  readonly check: ProbeCheck;
  readonly passed: boolean;
  readonly detail: string;
}

export interface ProbeReport {
  readonly partnerId: string;
  readonly probedAt: string;
  readonly passed: number;
  readonly checks: number;
  readonly findings: readonly ProbeFinding[];
}

/** The page size asked for when checking pagination: small, so that a partner holding two objects must page. */
const PAGE_PROBE_LIMIT = 1;

/**
 * Probes a registered partner's OCPI endpoints with the token we present to it, as our modules would call them,
 * and records the findings as PartnerProbed on the partner's stream (the gate-evaluator's `partner_probe` gate
 * reads it). Every call is in the partner's call log. A check that cannot run because an earlier one failed
 * fails too, naming that check: an unreachable partner fails the whole probe.
 *
 * `commands.response_url`: the partner's response_url is per command, so it cannot be called ahead of time, and
 * our own commands endpoint as the partner reaches it is not observable from here. What we can check is that the
 * host our CommandResult POSTs go to answers: the host of the partner's `commands` endpoint (where response_urls
 * live in practice; else its versions URL) must resolve and answer an HTTP HEAD (or OPTIONS) with a status below 500.
 */
@Injectable()
export class PartnerProbe {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(OCPI_SETTINGS) private readonly settings: OcpiSettings,
    private readonly partners: PartnerRepository,
    private readonly credentials: CredentialsService,
    private readonly client: OcpiClient,
  ) {}

  async probe(partnerId: string): Promise<ProbeReport> {
    const partner = await this.partners.get(partnerId);
    if (!partner) throw new NotFoundException(`no partner ${partnerId}`);
    if (partner.status !== 'REGISTERED') throw new ConflictException(`partner ${partnerId} is ${partner.status.toLowerCase()}, not registered: nothing to probe`);
    const findings = await this.findings(partner);
    const probedAt = new Date();
    const data = encodeEventJson(
      'PartnerProbed',
      decodeEventJson('PartnerProbed', { partnerId, occurredAt: probedAt.toISOString(), findings: findings.map((f) => ({ check: f.check, passed: f.passed, detail: f.detail })) }),
    );
    await this.store.append(partnerStreamName(partnerId), [{ id: randomUUID(), type: 'PartnerProbed', data }], { expectedRevision: 'stream_exists' });
    return { partnerId, probedAt: probedAt.toISOString(), passed: findings.filter((f) => f.passed).length, checks: findings.length, findings };
  }

  private async findings(partner: PartnerDocument): Promise<ProbeFinding[]> {
    const found: ProbeFinding[] = [];
    const note = (check: ProbeCheck, passed: boolean, detail: string) => void found.push({ check, passed, detail });
    const call = (url: string, module: string): Promise<OutboundResponse> => this.client.request(this.request(partner, url, module));

    let detailsUrl: string | undefined;
    if (!partner.versionsUrl) note('versions', false, 'the partner has no versions URL on record');
    else
      await attempt(note, 'versions', async () => {
        const versions = (await call(partner.versionsUrl!, 'versions')).envelope.data;
        const ours = Array.isArray(versions) ? (versions as { version?: string; url?: string }[]).find((v) => v.version === OCPI_VERSION) : undefined;
        if (!ours?.url) return [false, `${partner.versionsUrl} does not offer ${OCPI_VERSION}`];
        detailsUrl = ours.url;
        return [true, `offers ${OCPI_VERSION} at ${ours.url}`];
      });

    let endpoints: readonly PartnerEndpoint[] = partner.endpoints;
    if (!detailsUrl) note('version_details', false, 'skipped: versions failed');
    else
      await attempt(note, 'version_details', async () => {
        const data = (await call(detailsUrl!, 'versions')).envelope.data as { endpoints?: PartnerEndpoint[] } | undefined;
        if (!Array.isArray(data?.endpoints) || data.endpoints.length === 0) return [false, `${detailsUrl} lists no endpoints`];
        endpoints = data.endpoints;
        const changed = sameEndpoints(endpoints, partner.endpoints) ? '' : '; they differ from the endpoints on record (a PUT /credentials from the partner would refresh them)';
        return [true, `${endpoints.length} endpoints: ${endpoints.map((e) => `${e.identifier}:${e.role}`).join(', ')}${changed}`];
      });

    const endpoint = (identifier: string, role?: 'SENDER' | 'RECEIVER') => endpoints.find((e) => e.identifier === identifier && (role === undefined || e.role === role));
    const credentials = endpoint('credentials');
    if (!credentials) note('credentials', false, 'no credentials endpoint listed');
    else
      await attempt(note, 'credentials', async () => {
        const data = (await call(credentials.url, 'credentials')).envelope.data as { token?: unknown; url?: unknown; roles?: unknown } | undefined;
        if (typeof data?.token !== 'string' || typeof data.url !== 'string' || !Array.isArray(data.roles) || data.roles.length === 0)
          return [false, 'GET credentials answered no credentials object (token, url, roles)'];
        return [true, `our token is accepted; the partner's credentials name ${data.roles.length} role(s)`];
      });

    const tokens = endpoint('tokens', 'SENDER');
    let tokensPage: OutboundResponse | undefined;
    if (!tokens) note('tokens.endpoint', false, 'no tokens SENDER endpoint listed: tokens cannot be fetched and real-time authorization has no address');
    else
      await attempt(note, 'tokens.endpoint', async () => {
        tokensPage = await call(pageUrl(tokens.url, 0, PAGE_PROBE_LIMIT), 'tokens');
        const data = tokensPage.envelope.data;
        if (!Array.isArray(data)) return [false, 'GET tokens answered no list'];
        return [true, `GET tokens answered ${data.length} token(s) on a page of ${PAGE_PROBE_LIMIT}`];
      });

    if (!tokens || !tokensPage) note('tokens.pagination', false, 'skipped: no tokens page to read');
    else await attempt(note, 'tokens.pagination', () => this.pagination(tokensPage!, (url) => call(url, 'tokens')));

    const resultHost = endpoint('commands', 'SENDER')?.url ?? endpoint('commands')?.url ?? partner.versionsUrl ?? undefined;
    if (!resultHost) note('commands.response_url', false, 'neither a commands endpoint nor a versions URL to derive the response_url host from');
    else await attempt(note, 'commands.response_url', () => reachable(resultHost, this.settings.requestTimeoutMs));
    return found;
  }

  /** Pagination as transport_and_format asks: X-Total-Count and X-Limit on every page, a Link rel="next" while more remain. */
  private async pagination(first: OutboundResponse, get: (url: string) => Promise<OutboundResponse>): Promise<[boolean, string]> {
    const total = integerHeader(first.headers.get('x-total-count'));
    const limit = integerHeader(first.headers.get('x-limit'));
    const next = nextLink(first.headers.get('link'));
    const count = Array.isArray(first.envelope.data) ? first.envelope.data.length : 0;
    if (total === undefined) return [false, 'no X-Total-Count header on the tokens list'];
    if (limit === undefined) return [false, 'no X-Limit header on the tokens list'];
    if (count > PAGE_PROBE_LIMIT) return [false, `asked for ${PAGE_PROBE_LIMIT} token(s), got ${count}: the limit parameter is ignored`];
    if (total > count && next === undefined) return [false, `X-Total-Count ${total} but ${count} on the first page and no Link rel="next"`];
    if (next === undefined) return [true, `X-Total-Count ${total}, X-Limit ${limit}; one page holds everything`];
    const second = await get(next);
    const more = Array.isArray(second.envelope.data) ? second.envelope.data.length : 0;
    if (more === 0) return [false, `the Link rel="next" (${next}) answered an empty page though X-Total-Count is ${total}`];
    return [true, `X-Total-Count ${total}, X-Limit ${limit}; Link rel="next" followed to a page of ${more}`];
  }

  private request(partner: PartnerDocument, url: string, module: string): OutboundRequest {
    const party = partner.party ?? partner.roles[0];
    const functional = module !== 'versions' && module !== 'credentials';
    return {
      method: 'GET',
      url,
      token: this.credentials.outboundToken(partner),
      encodeToken: !partner.acceptsUnencodedTokens,
      partnerId: partner.id,
      module,
      ...(functional && party ? { routing: { from: this.settings, to: { countryCode: party.countryCode, partyId: party.partyId } } } : {}),
    };
  }
}

async function attempt(note: (check: ProbeCheck, passed: boolean, detail: string) => void, check: ProbeCheck, run: () => Promise<[boolean, string]>): Promise<void> {
  try {
    const [passed, detail] = await run();
    note(check, passed, detail);
  } catch (error) {
    note(check, false, (error as Error).message);
  }
}

/** The host must resolve and answer HTTP below 500 to a HEAD, or to an OPTIONS when HEAD is refused outright. */
async function reachable(url: string, timeoutMs: number): Promise<[boolean, string]> {
  const target = new URL(url);
  const hostname = target.hostname.replace(/^\[|\]$/g, '');
  try {
    await lookup(hostname);
  } catch (error) {
    return [false, `${hostname} does not resolve: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`];
  }
  let failure = '';
  for (const method of ['HEAD', 'OPTIONS']) {
    try {
      const response = await fetch(url, { method, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
      await response.body?.cancel();
      if (response.status < 500) return [true, `${target.host} answers (${method} ${target.pathname}: HTTP ${response.status}); CommandResults can be POSTed there`];
      failure = `${method} ${url}: HTTP ${response.status}`;
    } catch (error) {
      const cause = (error as Error).cause as { code?: string } | undefined;
      failure = `${method} ${url}: ${cause?.code ?? (error as Error).message}`;
    }
  }
  return [false, `the host of the partner's response_urls does not answer: ${failure}`];
}

function pageUrl(base: string, offset: number, limit: number): string {
  const url = new URL(base);
  url.searchParams.set('offset', String(offset));
  url.searchParams.set('limit', String(limit));
  return url.toString();
}

function integerHeader(value: string | null): number | undefined {
  return value !== null && /^\d+$/.test(value.trim()) ? Number(value) : undefined;
}

function nextLink(header: string | null): string | undefined {
  const match = header?.match(/<([^>]+)>\s*;\s*rel="?next"?/);
  return match?.[1];
}

const endpointKey = (e: PartnerEndpoint) => `${e.identifier}|${e.role}|${e.url}`;
const sameEndpoints = (a: readonly PartnerEndpoint[], b: readonly PartnerEndpoint[]): boolean =>
  a.length === b.length && a.map(endpointKey).sort().join() === b.map(endpointKey).sort().join();
