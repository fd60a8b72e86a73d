export { SessionsController } from './sessions.controller';
export { SessionsSender, OCPI_SESSIONS, SESSIONS_GROUP } from './sessions.sender';
export { sessionOf, sessionPatchOf, type SessionContext, type SessionStreamEvent } from './session-mapper';
export * from './session.dto';
