import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * This gateway process: its configured name (GATEWAY_NAME, the host name by default) and an id unique to this start,
 * `<name>@<start time>/<random>`. ChargerConnected carries the id, so a restarted gateway can tell the connections its
 * earlier instances of the same name left open (they died with it) from those of other live replicas.
 */
export class GatewayInstance {
  readonly id: string;

  constructor(
    readonly name: string,
    readonly startedAt: Date = new Date(),
  ) {
    if (name === '' || name.includes('@')) throw new Error(`GATEWAY_NAME must be non-empty and must not contain "@": ${JSON.stringify(name)}`);
    this.id = `${name}@${startedAt.toISOString()}/${randomBytes(4).toString('hex')}`;
  }

  /** Whether `instanceId` is an earlier start of this gateway: the same name, not this start. Unknown ('') is never ours. */
  isPredecessor(instanceId: string): boolean {
    return instanceId !== '' && instanceId !== this.id && nameOfInstance(instanceId) === this.name;
  }
}

export function nameOfInstance(instanceId: string): string {
  const at = instanceId.lastIndexOf('@');
  return at < 0 ? instanceId : instanceId.slice(0, at);
}

export function gatewayInstance(env: NodeJS.ProcessEnv = process.env): GatewayInstance {
  return new GatewayInstance(env['GATEWAY_NAME']?.trim() || hostname());
}
