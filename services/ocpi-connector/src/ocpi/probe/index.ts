import { PartnerProbe } from './partner-probe';
import { ProbeController } from './probe.controller';

export { PartnerProbe, PROBE_CHECKS, type ProbeCheck, type ProbeFinding, type ProbeReport } from './partner-probe';
export { addProbeCommand } from './probe.command';

export const PROBE_CONTROLLERS = [ProbeController];
export const PROBE_PROVIDERS = [PartnerProbe];
