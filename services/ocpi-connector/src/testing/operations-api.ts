import type { EmspSimulator } from '@roamgate/emsp-simulator';

export interface ApiAnswer {
  readonly status: number;
  /** Read loosely: each test states the fields it relies on. */
  readonly body: Record<string, any>;
}

export type AdminApi = (method: string, path: string, body?: unknown) => Promise<ApiAnswer>;

/** The operations API of a test server with the admin token; `base` is read at each call (servers start in before()). */
export function adminApi(base: () => string, token: string): AdminApi {
  return async (method, path, body) => {
    const response = await fetch(`${base()}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as ApiAnswer['body'] };
  };
}

/** Invites the simulated eMSP's party and lets it register with the invitation (token A, then B and C); its partner id. */
export async function registerEmsp(admin: AdminApi, emsp: EmspSimulator, party: { readonly countryCode: string; readonly partyId: string; readonly role?: string }): Promise<string> {
  const invite = await admin('POST', '/api/v1/partners/invitations', { countryCode: party.countryCode, partyId: party.partyId, role: party.role ?? 'EMSP' });
  if (invite.status !== 201) throw new Error(`invitation: HTTP ${invite.status} ${JSON.stringify(invite.body)}`);
  await emsp.registerWithCpo({ cpoVersionsUrl: String(invite.body['versionsUrl']), tokenA: String(invite.body['token']) });
  return String(invite.body['partnerId']);
}
