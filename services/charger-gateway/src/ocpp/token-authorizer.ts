import { Injectable } from '@nestjs/common';
import { AuthorizationSource, AuthorizationStatus, type OcppVersion } from '@roamgate/contracts';
import type { AuthorizationDecision } from '@roamgate/domain-charging';

/** Injection token of the TokenAuthorizer the OCPP handlers ask. */
export const TOKEN_AUTHORIZER = Symbol('roamgate.charger-gateway.token-authorizer');

export interface TokenAuthorizationRequest {
  readonly chargerId: string;
  readonly protocol: OcppVersion;
  readonly idToken: { readonly id: string; readonly type?: string };
  readonly evseId?: number;
  readonly connectorId?: number;
  /** Authorize, StartTransaction or TransactionEvent. */
  readonly action: string;
}

export interface TokenAuthorization extends AuthorizationDecision {
  readonly source: AuthorizationSource;
  /** The eMSP whose token it is, when a partner decided. */
  readonly partnerId?: string;
  readonly authorizationReference?: string;
}

/** Decides whether an id token may charge; the OCPI connector provides the real-time one. */
export interface TokenAuthorizer {
  authorize(request: TokenAuthorizationRequest): Promise<TokenAuthorization>;
}

/** Until roaming authorization exists every token is accepted, as a charger in free-vend mode would. */
@Injectable()
export class AcceptingTokenAuthorizer implements TokenAuthorizer {
  async authorize(): Promise<TokenAuthorization> {
    return { status: AuthorizationStatus.ACCEPTED, source: AuthorizationSource.LOCAL };
  }
}
