import { randomUUID } from 'node:crypto';
import type { OcpiClient } from './client';
import { type Credentials, type CredentialsRole, type Endpoint, ocpiStatus, type Version, type VersionDetails } from './model';

export const ocpiVersion = '2.2.1';

/** A live OCPI connection with one CPO, whichever side started the credentials handshake. */
export interface PartnerLink {
  readonly versionsUrl: string;
  readonly version: string;
  readonly endpoints: readonly Endpoint[];
  readonly roles: readonly CredentialsRole[];
  /** The CPO's token (C when we registered, B when it did): we call the CPO with it. */
  readonly outboundToken: string;
  /** Our token (B when we registered, C when it did): the CPO calls us with it. */
  readonly inboundToken: string;
  readonly initiatedBy: 'emsp' | 'cpo';
}

export type Caller = 'tokenA' | 'partner';

export interface CredentialsAnswer {
  readonly httpStatus: number;
  readonly statusCode: number;
  readonly message: string;
  readonly data?: Credentials;
}

export class RegistrationError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'RegistrationError';
  }
}

/** The credentials module in both directions (credentials.asciidoc, FIELD-NOTES "OCPI transport and credentials"). */
export class Registration {
  private link: PartnerLink | undefined;
  private readonly tokensA = new Set<string>();
  /** Token B offered in our POST/PUT: the CPO calls our versions with it before the POST/PUT returns. */
  private readonly offeredTokens = new Set<string>();

  constructor(
    private readonly client: OcpiClient,
    private readonly ourCredentials: (token: string) => Credentials,
  ) {}

  get partner(): PartnerLink | undefined {
    return this.link;
  }

  issueTokenA(token: string = randomUUID()): string {
    this.tokensA.add(token);
    return token;
  }

  callerOf(token: string | undefined): Caller | undefined {
    if (token === undefined) return undefined;
    if (this.link?.inboundToken === token || this.offeredTokens.has(token)) return 'partner';
    if (this.tokensA.has(token)) return 'tokenA';
    return undefined;
  }

  endpointOf(identifier: string, role?: Endpoint['role']): string | undefined {
    return this.link?.endpoints.find((endpoint) => endpoint.identifier === identifier && (role === undefined || endpoint.role === role))?.url;
  }

  async registerWithCpo(cpoVersionsUrl: string, tokenA: string): Promise<PartnerLink> {
    if (this.link) throw new RegistrationError(ocpiStatus.clientError, 'already registered; unregister first');
    const details = await this.discover(cpoVersionsUrl, tokenA);
    const tokenB = randomUUID();
    this.offeredTokens.add(tokenB);
    try {
      const { data } = await this.client.data<Credentials>('POST', credentialsUrlOf(details), tokenA, this.ourCredentials(tokenB));
      const credentials = checkedCredentials(data);
      this.link = {
        versionsUrl: cpoVersionsUrl,
        version: details.version,
        endpoints: details.endpoints,
        roles: credentials.roles,
        outboundToken: credentials.token,
        inboundToken: tokenB,
        initiatedBy: 'emsp',
      };
      return this.link;
    } finally {
      this.offeredTokens.delete(tokenB);
    }
  }

  /** Token rotation: a new token B for the CPO, a new token C from it, and the CPO's endpoints fetched again. */
  async updateCredentials(): Promise<PartnerLink> {
    const link = this.requireLink();
    const credentialsUrl = this.endpointOf('credentials') ?? fail('the CPO lists no credentials endpoint');
    const tokenB = randomUUID();
    this.offeredTokens.add(tokenB);
    try {
      const { data } = await this.client.data<Credentials>('PUT', credentialsUrl, link.outboundToken, this.ourCredentials(tokenB));
      const credentials = checkedCredentials(data);
      this.link = { ...link, roles: credentials.roles, outboundToken: credentials.token, inboundToken: tokenB };
      const details = await this.discover(link.versionsUrl, credentials.token);
      this.link = { ...this.link, version: details.version, endpoints: details.endpoints };
      return this.link;
    } finally {
      this.offeredTokens.delete(tokenB);
    }
  }

  async unregister(): Promise<void> {
    const link = this.requireLink();
    const credentialsUrl = this.endpointOf('credentials') ?? fail('the CPO lists no credentials endpoint');
    await this.client.data('DELETE', credentialsUrl, link.outboundToken);
    this.link = undefined;
  }

  /** The server side, for a CPO that registers with a token A we issued. */
  async answer(method: string, token: string, caller: Caller, body: unknown): Promise<CredentialsAnswer> {
    switch (method) {
      case 'GET':
        return success(200, this.ourCredentials(token));
      case 'POST': {
        if (caller !== 'tokenA' || this.link) return notAllowed('already registered: use PUT to update or DELETE to unregister');
        const offered = credentialsProblem(body);
        if (typeof offered === 'string') return invalid(offered);
        const link = await this.linkFrom(offered);
        if (!('endpoints' in link)) return link;
        this.tokensA.delete(token);
        this.link = link;
        return success(200, this.ourCredentials(link.inboundToken));
      }
      case 'PUT': {
        if (caller !== 'partner' || !this.link) return notAllowed('not registered: use POST with a token A');
        const offered = credentialsProblem(body);
        if (typeof offered === 'string') return invalid(offered);
        const link = await this.linkFrom(offered);
        if (!('endpoints' in link)) return link;
        this.link = link;
        return success(200, this.ourCredentials(link.inboundToken));
      }
      case 'DELETE':
        if (caller !== 'partner' || !this.link) return notAllowed('not registered');
        this.link = undefined;
        return { httpStatus: 200, statusCode: ocpiStatus.success, message: 'Unregistered' };
      default:
        return { httpStatus: 405, statusCode: ocpiStatus.clientError, message: `${method} is not part of the credentials module` };
    }
  }

  private async linkFrom(offered: Credentials): Promise<PartnerLink | CredentialsAnswer> {
    try {
      const details = await this.discover(offered.url, offered.token);
      return {
        versionsUrl: offered.url,
        version: details.version,
        endpoints: details.endpoints,
        roles: offered.roles,
        outboundToken: offered.token,
        inboundToken: randomUUID(),
        initiatedBy: 'cpo',
      };
    } catch (error) {
      const statusCode = error instanceof RegistrationError ? error.statusCode : ocpiStatus.unableToUseClientApi;
      return { httpStatus: 200, statusCode, message: `could not use the versions at ${offered.url}: ${(error as Error).message}` };
    }
  }

  private async discover(versionsUrl: string, token: string): Promise<VersionDetails> {
    const { data: versions } = await this.client.data<Version[]>('GET', versionsUrl, token);
    const version = Array.isArray(versions) ? versions.find((candidate) => candidate.version === ocpiVersion) : undefined;
    if (!version) throw new RegistrationError(ocpiStatus.unsupportedVersion, `no OCPI ${ocpiVersion} among the versions at ${versionsUrl}`);
    const { data: details } = await this.client.data<VersionDetails>('GET', version.url, token);
    if (!Array.isArray(details?.endpoints)) throw new RegistrationError(ocpiStatus.unableToUseClientApi, `no endpoints in ${version.url}`);
    if (!details.endpoints.some((endpoint) => endpoint.identifier === 'credentials'))
      throw new RegistrationError(ocpiStatus.noMatchingEndpoints, `no credentials endpoint in ${version.url}`);
    return { version: details.version, endpoints: details.endpoints };
  }

  private requireLink(): PartnerLink {
    return this.link ?? fail('not registered with a CPO');
  }
}

function credentialsUrlOf(details: VersionDetails): string {
  return details.endpoints.find((endpoint) => endpoint.identifier === 'credentials')!.url;
}

function checkedCredentials(data: unknown): Credentials {
  const checked = credentialsProblem(data);
  if (typeof checked === 'string') throw new RegistrationError(ocpiStatus.invalidParameters, `the CPO answered invalid credentials: ${checked}`);
  return checked;
}

/** The credentials object or the name of its first missing or malformed field. */
export function credentialsProblem(body: unknown): Credentials | string {
  if (typeof body !== 'object' || body === null) return 'credentials: expected an object';
  const fields = body as Record<string, unknown>;
  if (typeof fields['token'] !== 'string' || fields['token'] === '' || fields['token'].length > 64) return 'token: expected a string of 1 to 64 characters';
  if (typeof fields['url'] !== 'string' || !/^https?:\/\//.test(fields['url'])) return 'url: expected an http(s) URL';
  const roles = fields['roles'];
  if (!Array.isArray(roles) || roles.length === 0) return 'roles: expected at least one role';
  for (const [index, role] of roles.entries()) {
    const entry = (role ?? {}) as Record<string, unknown>;
    for (const key of ['role', 'party_id', 'country_code'])
      if (typeof entry[key] !== 'string' || entry[key] === '') return `roles[${index}].${key}: expected a string`;
    const details = entry['business_details'] as Record<string, unknown> | undefined;
    if (typeof details?.['name'] !== 'string') return `roles[${index}].business_details.name: expected a string`;
  }
  return body as Credentials;
}

function success(httpStatus: number, data: Credentials): CredentialsAnswer {
  return { httpStatus, statusCode: ocpiStatus.success, message: 'Success', data };
}

function notAllowed(message: string): CredentialsAnswer {
  return { httpStatus: 405, statusCode: ocpiStatus.clientError, message };
}

function invalid(message: string): CredentialsAnswer {
  return { httpStatus: 200, statusCode: ocpiStatus.invalidParameters, message };
}

function fail(message: string): never {
  throw new RegistrationError(ocpiStatus.clientError, message);
}
