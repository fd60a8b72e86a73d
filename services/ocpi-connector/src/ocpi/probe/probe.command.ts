import type { Command } from 'commander';
import { json, run } from '@roamgate/runtime/cli';
import type { ProbeReport } from './partner-probe';

type Api = <T>(method: 'POST', path: string, body?: unknown) => Promise<T>;

/** `partners probe <partner>`: POST /api/v1/partners/:id/probe; exit code 2 when a check failed, so scripts can gate on it. */
export function addProbeCommand(parent: Command, api: Api, print: (text: string) => void): Command {
  return parent
    .command('probe')
    .description("check a registered partner's OCPI endpoints (versions, credentials, tokens, pagination, response_url host) and record the findings for launch phase 1")
    .argument('<partnerId>', 'partner id, e.g. NL-EMS')
    .option('--json', 'print the report as JSON')
    .action(
      run(async (partnerId: string, opts: { json?: boolean }) => {
        const report = await api<ProbeReport>('POST', `/api/v1/partners/${encodeURIComponent(partnerId)}/probe`);
        if (opts.json) print(json(report));
        else {
          print(`${report.partnerId}: ${report.passed} of ${report.checks} checks passed (${report.probedAt})`);
          for (const f of report.findings) print(`  ${f.passed ? 'PASS' : 'FAIL'}  ${f.check.padEnd(22)} ${f.detail}`);
        }
        if (report.passed < report.checks) process.exitCode = 2;
      }),
    );
}
