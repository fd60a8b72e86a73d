import { createHash, timingSafeEqual } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { ChargerState, UnknownChargerPolicy } from '@roamgate/domain-charging';
import type { IncomingMessage } from 'node:http';
import { verifyPassword } from './password';

export type AuthOutcome =
  | { readonly accepted: true; readonly registered: boolean; readonly securityProfile: number }
  | { readonly accepted: false; readonly status: 401; readonly reason: string };

export interface Credentials {
  readonly chargerId: string;
  /** The HTTP Basic password, when the username was the charger id. */
  readonly password: Buffer | undefined;
  readonly request: IncomingMessage;
}

/**
 * Security profiles 1 and 2 (HTTP Basic, over TLS for 2), and profile 0 for chargers registered without a password.
 * A password that passed scrypt once is remembered by its SHA-256 until the stored hash changes, so a reconnect storm
 * of thousands of chargers does not queue thousands of scrypt runs on the thread pool.
 */
export class ChargerAuthenticator {
  private readonly verified = new Map<string, { readonly hash: string; readonly digest: Buffer }>();

  constructor(private readonly unknownChargers: UnknownChargerPolicy) {}

  async authenticate(credentials: Credentials, charger: ChargerState): Promise<AuthOutcome> {
    if (!charger.registered) {
      if (this.unknownChargers === 'reject') return { accepted: false, status: 401, reason: 'Unknown charger' };
      return { accepted: true, registered: false, securityProfile: credentials.password === undefined ? 0 : this.basicProfile(credentials.request) };
    }
    if (charger.passwordHash === '') return { accepted: true, registered: true, securityProfile: 0 };
    if (credentials.password === undefined) return { accepted: false, status: 401, reason: 'HTTP Basic credentials required' };
    if (!(await this.verify(credentials.chargerId, credentials.password, charger.passwordHash))) {
      return { accepted: false, status: 401, reason: 'Wrong charger id or password' };
    }
    return { accepted: true, registered: true, securityProfile: this.basicProfile(credentials.request) };
  }

  private async verify(chargerId: string, password: Buffer, hash: string): Promise<boolean> {
    const digest = createHash('sha256').update(password).digest();
    const known = this.verified.get(chargerId);
    if (known !== undefined && known.hash === hash && timingSafeEqual(known.digest, digest)) return true;
    if (!(await verifyPassword(password, hash))) return false;
    this.verified.set(chargerId, { hash, digest });
    return true;
  }

  /** Profile 2 is Basic over TLS: terminated here, or by an ingress that says so in X-Forwarded-Proto. */
  private basicProfile(request: IncomingMessage): number {
    const tls = (request.socket as TLSSocket).encrypted === true;
    const forwarded = String(request.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim().toLowerCase();
    return tls || forwarded === 'https' || forwarded === 'wss' ? 2 : 1;
  }
}
