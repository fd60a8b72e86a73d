import { applyDecorators, CallHandler, CanActivate, ExecutionContext, Inject, Injectable, NestInterceptor, SetMetadata, UseGuards, UseInterceptors } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { map, type Observable } from 'rxjs';
import { PartnerRepository } from '../../partners/partner.repository';
import { OCPI_SETTINGS, type OcpiSettings } from '../../settings';
import { parseAuthorization } from './authorization';
import { envelope } from './envelope';
import { ocpiContext, type OcpiRequest } from './request-context';
import { parseRoutingHeaders, routingHeaderValues, sameParty } from './routing';
import { tokenHash } from './secrets';
import { OcpiError } from './status';

const OCPI_ENDPOINT = 'roamgate:ocpi-endpoint';

export interface OcpiEndpointOptions {
  readonly module: string;
  /** Configuration modules (versions, credentials, hubclientinfo) accept token A and are never routed. */
  readonly configuration?: boolean;
}

/** A reply with headers or a status other than 200, for handlers that need them (pagination, 201). */
export class OcpiReply<T = unknown> {
  constructor(
    readonly data: T | undefined,
    readonly headers: Readonly<Record<string, string>> = {},
    readonly httpStatus = 200,
  ) {}
}

/**
 * Guards an OCPI controller: the credentials token names the partner (transport_and_format, authorization
 * header), token A opens only configuration modules, and the routing headers of functional modules are
 * validated against the partner's roles (a hub may speak for any party) and addressed to us.
 */
@Injectable()
export class OcpiAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly partners: PartnerRepository,
    @Inject(OCPI_SETTINGS) private readonly settings: OcpiSettings,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<OcpiRequest>();
    const options = this.reflector.getAllAndOverride<OcpiEndpointOptions>(OCPI_ENDPOINT, [context.getHandler(), context.getClass()]);
    const ocpi = ocpiContext(request);
    ocpi.module = options.module;
    const presented = parseAuthorization(request.headers.authorization);
    if (!presented) throw OcpiError.unauthorized('Authorization header missing or not of the form "Token <base64 credentials token>"');
    let token = presented.decoded;
    let match = token === undefined ? undefined : await this.partners.findByTokenHash(tokenHash(token));
    if (!match) {
      const raw = await this.partners.findByTokenHash(tokenHash(presented.raw));
      if (raw && !raw.partner.acceptsUnencodedTokens) throw OcpiError.unauthorized('the credentials token must be Base64 encoded (OCPI 2.2.1)');
      match = raw;
      token = presented.raw;
    }
    if (!match) throw OcpiError.unauthorized('unknown credentials token');
    const registered = match.partner.status === 'REGISTERED';
    if (!options.configuration && !(registered && (match.kind === 'C' || match.kind === 'PENDING'))) {
      throw OcpiError.unauthorized(`the ${options.module} module needs the registered credentials token; this token only opens versions and credentials`);
    }
    ocpi.partner = match.partner;
    ocpi.tokenKind = match.kind;
    ocpi.token = token;
    if (!options.configuration) {
      const routing = parseRoutingHeaders(request.headers);
      const partner = match.partner;
      const isHub = partner.roles.some((r) => r.role === 'HUB');
      if (routing.from && !isHub && !partner.roles.some((r) => sameParty(r, routing.from!))) {
        throw OcpiError.invalid(`OCPI-from-country-code/OCPI-from-party-id ${routing.from.countryCode}/${routing.from.partyId} is not a role of partner ${partner.id}`);
      }
      if (routing.to && !sameParty(routing.to, this.settings)) {
        throw OcpiError.invalid(`OCPI-to-country-code/OCPI-to-party-id ${routing.to.countryCode}/${routing.to.partyId} is not this platform (${this.settings.countryCode}/${this.settings.partyId})`);
      }
      const defaultFrom = partner.roles[0] ?? partner.party ?? undefined;
      ocpi.routing = { ...(routing.from ?? defaultFrom ? { from: routing.from ?? { countryCode: defaultFrom!.countryCode, partyId: defaultFrom!.partyId } } : {}), to: routing.to ?? this.settings };
    }
    return true;
  }
}

/** Wraps what a handler returns in the response envelope, and answers routed requests with the reverse routing headers. */
@Injectable()
export class OcpiEnvelopeInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<OcpiRequest>();
    const response = context.switchToHttp().getResponse<Response>();
    return next.handle().pipe(
      map((result: unknown) => {
        const reply = result instanceof OcpiReply ? result : new OcpiReply(result);
        const routing = request.ocpi?.routing;
        if (routing) {
          const reverse = { ...(routing.to ? { from: { countryCode: routing.to.countryCode, partyId: routing.to.partyId } } : {}), ...(routing.from ? { to: routing.from } : {}) };
          for (const [name, value] of Object.entries(routingHeaderValues(reverse))) response.setHeader(name, value);
        }
        for (const [name, value] of Object.entries(reply.headers)) response.setHeader(name, value);
        response.status(reply.httpStatus);
        const answer = envelope(reply.data, new Date());
        if (request.ocpi) request.ocpi.statusCode = answer.status_code;
        return answer;
      }),
    );
  }
}

export const OcpiEndpoint = (options: OcpiEndpointOptions) =>
  applyDecorators(SetMetadata(OCPI_ENDPOINT, options), UseGuards(OcpiAuthGuard), UseInterceptors(OcpiEnvelopeInterceptor));
