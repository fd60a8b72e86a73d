import { HubClientInfoController, HubClientsApiController } from './hubclientinfo.controller';
import { HubClientInfoRepository } from './hub-client-info.repository';

export const HUBCLIENTINFO_CONTROLLERS = [HubClientInfoController, HubClientsApiController];
export const HUBCLIENTINFO_PROVIDERS = [HubClientInfoRepository];
export { HubClientInfoRepository, HUB_CLIENTS, hubClientStreamName, type HubClientDocument } from './hub-client-info.repository';
export * from './client-info.dto';
