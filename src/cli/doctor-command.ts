// `xos doctor [--json] [--controller NAME]`: every finding of GET /api/ops/doctor, worst first,
// each with its symptom, cause and remedy. Exit code 0 (nothing wrong), 1 (warnings), 2
// (critical), 3 when the doctor itself could not run.
import type { Command } from 'commander';
import { api, type Connection } from './client.js';
import { formatOf, outputOption, render } from './formats.js';
import type { DoctorReport, Finding } from '../ops/doctor/index.js';

const LABEL = { critical: 'CRITICAL', warning: 'WARNING ', ok: 'OK      ' } as const;

export function formatFinding(f: Finding): string {
  const lines = [`${LABEL[f.severity]} ${f.code}  ${f.cluster ? `[${f.cluster}] ` : '[xos] '}${f.object}`, `  symptom:  ${f.symptom}`];
  if (f.cause) lines.push(`  cause:    ${f.cause}`);
  if (f.remedy) lines.push(`  remedy:   ${f.remedy}`);
  const ev = Object.entries(f.evidence).filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && !v.length));
  if (ev.length && f.severity !== 'ok') lines.push(`  evidence: ${ev.map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' ')}`);
  return lines.join('\n');
}

export function formatReport(r: DoctorReport, verbose: boolean): string {
  const shown = verbose ? r.findings : r.findings.filter((f) => f.severity !== 'ok');
  const out = shown.map(formatFinding);
  const s = r.summary;
  out.push(
    `${s.critical} critical, ${s.warning} warning(s), ${s.ok} ok on ${r.clusters.length} cluster(s) (${r.clusters.join(', ') || 'none'}) in ${r.duration_ms} ms` +
      (r.exit_code === 0 ? ': nothing wrong found' : ''),
  );
  return out.join('\n\n');
}

export function addDoctorCommand(program: Command, conn: () => Connection) {
  program
    .command('doctor')
    .description('Check every cluster and XOS itself; print every finding with its cause and remedy (exit 0 ok, 1 warning, 2 critical)')
    .addOption(outputOption())
    .option('--json', 'print the report as JSON (-o json)')
    .option('--controller <name>', 'only this controller')
    .option('--cached', "use the collectors' last reading instead of reading the clusters now")
    .option('-v, --verbose', 'also print what is fine')
    .action(async (o: { json?: boolean; output?: string; controller?: string; cached?: boolean; verbose?: boolean }) => {
      const q = new URLSearchParams();
      if (o.controller) q.set('controller', o.controller);
      if (o.cached) q.set('cached', 'true');
      let r: DoctorReport;
      try {
        r = await api<DoctorReport>(conn(), 'GET', `/api/ops/doctor${q.size ? `?${q}` : ''}`);
      } catch (e) {
        console.error(`xos doctor: cannot run the checks: ${(e as Error).message}`);
        process.exit(3);
      }
      const format = formatOf(o);
      if (format === 'table') console.log(formatReport(r, Boolean(o.verbose)));
      else {
        const columns = ['severity', 'code', 'cluster', 'object', 'symptom', 'cause', 'remedy'] as const;
        const shown = o.verbose ? r.findings : r.findings.filter((f) => f.severity !== 'ok');
        const rows = shown.map((f) => columns.map((c) => String(f[c] ?? '')));
        process.stdout.write(render(format, { columns, rows, data: r }));
      }
      process.exitCode = r.exit_code;
    });
}
