export type ChangeResult = 'Accepted' | 'Rejected' | 'NotSupported';

interface Setting {
  value: string;
  readonly readonly: boolean;
  readonly accepts: (value: string) => boolean;
}

const anything = () => true;
const nonNegativeNumber = (value: string) => value.trim() !== '' && Number.isFinite(Number(value)) && Number(value) >= 0;
const flag = (value: string) => value === 'true' || value === 'false';

/** The charger's key/value configuration; named by the OCPP 1.6 keys, the 2.0.1 adapter maps its variables onto them. */
export class Configuration {
  private readonly settings = new Map<string, Setting>();
  private readonly listeners: ((key: string, value: string) => void)[] = [];

  constructor(initial: { heartbeatIntervalS: number; meterValueIntervalS: number; connectors: number }) {
    this.define('HeartbeatInterval', String(initial.heartbeatIntervalS), false, nonNegativeNumber);
    this.define('MeterValueSampleInterval', String(initial.meterValueIntervalS), false, nonNegativeNumber);
    this.define('MeterValuesSampledData', 'Energy.Active.Import.Register,Power.Active.Import', false, anything);
    this.define('AuthorizeRemoteTxRequests', 'false', false, flag);
    this.define('ConnectionTimeOut', '60', false, nonNegativeNumber);
    this.define('NumberOfConnectors', String(initial.connectors), true, anything);
    this.define('SupportedFeatureProfiles', 'Core,RemoteTrigger,Reservation', true, anything);
  }

  keys(): string[] {
    return [...this.settings.keys()];
  }

  has(key: string): boolean {
    return this.settings.has(key);
  }

  get(key: string): string | undefined {
    return this.settings.get(key)?.value;
  }

  isReadonly(key: string): boolean {
    return this.settings.get(key)?.readonly ?? false;
  }

  number(key: string): number {
    return Number(this.get(key));
  }

  flag(key: string): boolean {
    return this.get(key) === 'true';
  }

  set(key: string, value: string): ChangeResult {
    const setting = this.settings.get(key);
    if (!setting) return 'NotSupported';
    if (setting.readonly || !setting.accepts(value)) return 'Rejected';
    setting.value = value;
    for (const listener of this.listeners) listener(key, value);
    return 'Accepted';
  }

  onChange(listener: (key: string, value: string) => void): void {
    this.listeners.push(listener);
  }

  private define(key: string, value: string, readonly: boolean, accepts: (value: string) => boolean): void {
    this.settings.set(key, { value, readonly, accepts });
  }
}
