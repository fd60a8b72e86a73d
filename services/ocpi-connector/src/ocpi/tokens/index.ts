import { RealtimeAuthorizationResponder } from './realtime-authorization';
import { TokenRepository } from './token.repository';
import { TokensController } from './tokens.controller';
import { TokensService } from './tokens.service';

export const TOKENS_CONTROLLERS = [TokensController];
export const TOKENS_PROVIDERS = [TokenRepository, TokensService, RealtimeAuthorizationResponder];
export { TokensService, type TokenAuthorizationDecision, type LocationReferences } from './tokens.service';
export { TokenRepository, tokenStreamName, TOKENS } from './token.repository';
export { RealtimeAuthorizationResponder, TOKENAUTH_GROUP, TOKENAUTH_TOPIC } from './realtime-authorization';
