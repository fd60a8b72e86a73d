/** Where a transaction runs: a connector (1.6) or an EVSE (2.0.1) holds one at a time. The keys of ActiveSessions. */
export const connectorPlace = (connectorId: number) => `connector:${connectorId}`;
export const evsePlace = (evseId: number) => `evse:${evseId}`;
export const placeOf = (session: { readonly evseId: number; readonly connectorId: number }) =>
  session.evseId > 0 ? evsePlace(session.evseId) : connectorPlace(session.connectorId);
