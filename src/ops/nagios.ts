// Nagios plugin checks over the operator view: one status line with performance data and the
// plugin exit codes (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), thresholds as Nagios ranges
// ("10", "10:", "~:10", "10:20", "@10:20": alert when the value is outside, or with @ inside).
import type { ClusterView } from './cluster-view.js';
import type { BacklogRow } from '../store/cluster-reports.js';

export const CHECKS = ['nova-services', 'neutron-agents', 'capacity', 'sync-backlog', 'api-latency'] as const;
export type CheckName = (typeof CHECKS)[number];
export type Status = 0 | 1 | 2 | 3;
const WORD = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;

export interface Range {
  text: string;
  alerts(v: number): boolean;
}

export function parseRange(text: string): Range {
  const m = /^(@)?(?:(~|-?\d+(?:\.\d+)?)?:)?(-?\d+(?:\.\d+)?)?$/.exec(text.trim());
  if (!text.trim() || !m || (m[2] === undefined && m[3] === undefined && !text.includes(':')))
    throw new Error(`"${text}" is not a Nagios range (e.g. 10, 10:, ~:10, 10:20, @10:20)`);
  const inside = Boolean(m[1]);
  const hasColon = text.includes(':');
  const lo = hasColon ? (m[2] === '~' ? -Infinity : m[2] === undefined ? 0 : Number(m[2])) : 0;
  const hi = m[3] === undefined ? Infinity : Number(m[3]);
  if (lo > hi) throw new Error(`"${text}": the start is above the end`);
  return { text: text.trim(), alerts: (v) => (inside ? v >= lo && v <= hi : v < lo || v > hi) };
}

export const DEFAULTS: Record<CheckName, { warning: string; critical: string; unit: string; help: string }> = {
  'nova-services': { warning: '0', critical: '0', unit: '', help: 'enabled Nova services down' },
  'neutron-agents': { warning: '0', critical: '0', unit: '', help: 'enabled Neutron agents dead' },
  capacity: { warning: '80', critical: '90', unit: '%', help: 'highest use of a resource (VCPU, MEMORY_MB, DISK_GB) in percent of what is usable' },
  'sync-backlog': { warning: '600', critical: '3600', unit: 's', help: 'age of the oldest object waiting for the synchronizer, in seconds' },
  'api-latency': { warning: '1000', critical: '5000', unit: 'ms', help: 'slowest service API answer, in milliseconds' },
};

export interface CheckResult {
  status: Status;
  line: string;
}

const label = (s: string) => (/^[A-Za-z0-9_.-]+$/.test(s) ? s : `'${s.replace(/'/g, '')}'`);

function verdict(value: number, w: Range, c: Range): Status {
  return c.alerts(value) ? 2 : w.alerts(value) ? 1 : 0;
}

function line(name: CheckName, status: Status, text: string, perf: string[]): CheckResult {
  return { status, line: `${name.toUpperCase()} ${WORD[status]} - ${text}${perf.length ? ` | ${perf.join(' ')}` : ''}` };
}

// Clusters whose collector for this check failed: their figures are not current.
function unreadable(views: ClusterView[], collector: 'services' | 'agents' | 'capacity' | 'latency'): string[] {
  return views.filter((v) => v.collectors[collector].ok !== true).map((v) => `${v.name}: ${v.collectors[collector].last_error ?? 'not read yet'}`);
}

export function runCheck(name: CheckName, o: { views: ClusterView[]; backlog?: BacklogRow[]; warning?: string; critical?: string; now?: number }): CheckResult {
  const w = parseRange(o.warning ?? DEFAULTS[name].warning);
  const c = parseRange(o.critical ?? DEFAULTS[name].critical);
  const { views } = o;
  const th = `;${w.text};${c.text}`;
  if (name !== 'sync-backlog' && !views.length) return line(name, 3, 'no cluster to check', []);
  switch (name) {
    case 'nova-services':
    case 'neutron-agents': {
      const nova = name === 'nova-services';
      const bad = unreadable(views, nova ? 'services' : 'agents');
      const items = views.flatMap((v) =>
        nova
          ? v.services.map((s) => ({ cluster: v.name, what: `${s.binary}@${s.host}`, enabled: s.status === 'enabled', ok: s.state === 'up', age: s.heartbeat_age_s }))
          : v.agents.map((a) => ({ cluster: v.name, what: `${a.binary}@${a.host}`, enabled: a.admin_state_up, ok: a.alive, age: a.heartbeat_age_s })),
      );
      const down = items.filter((i) => i.enabled && !i.ok);
      const disabled = items.filter((i) => !i.enabled);
      const up = items.length - down.length - disabled.length;
      let status = verdict(down.length, w, c);
      if (bad.length && status < 2) status = 3;
      const word = nova ? 'down' : 'dead';
      const text =
        (down.length ? `${down.length} of ${items.length} ${word}: ${down.map((d) => `${d.what} [${d.cluster}] (heartbeat ${d.age ?? '?'} s)`).join(', ')}` : `${up} up, ${disabled.length} disabled, 0 ${word} on ${views.length} cluster(s)`) +
        (bad.length ? `; cannot read ${bad.join('; ')}` : '');
      return line(name, status, text, [`up=${up};;;0`, `${word}=${down.length}${th};0`, `disabled=${disabled.length};;;0`, `total=${items.length};;;0`]);
    }
    case 'capacity': {
      const bad = unreadable(views, 'capacity');
      const perf: string[] = [];
      let worst = { pct: 0, what: '' };
      for (const v of views)
        for (const [rc, x] of Object.entries(v.capacity)) {
          const pct = x.usable > 0 ? Math.round((x.used / x.usable) * 1000) / 10 : 0;
          perf.push(`${label(`${v.name}_${rc}`)}=${pct}%;${w.text};${c.text};0;100`);
          if (pct >= worst.pct) worst = { pct, what: `${rc} on ${v.name} (${x.used} of ${x.usable})` };
        }
      let status = verdict(worst.pct, w, c);
      if (bad.length && status < 2) status = 3;
      return line(name, status, `highest use ${worst.pct}%${worst.what ? `: ${worst.what}` : ''}${bad.length ? `; cannot read ${bad.join('; ')}` : ''}`, perf);
    }
    case 'api-latency': {
      const bad = unreadable(views, 'latency');
      const perf: string[] = [];
      const failing: string[] = [];
      let worst = { ms: 0, what: '' };
      for (const v of views)
        for (const l of v.latency) {
          if (!l.ok || l.ms === null) {
            failing.push(`${l.service} on ${v.name}`);
            continue;
          }
          perf.push(`${label(`${v.name}_${l.service}`)}=${l.ms}ms${th};0`);
          if (l.ms >= worst.ms) worst = { ms: l.ms, what: `${l.service} on ${v.name}` };
        }
      let status = failing.length ? 2 : verdict(worst.ms, w, c);
      if (bad.length && status < 2) status = 3;
      const text = `slowest ${worst.ms} ms (${worst.what || 'none'})${failing.length ? `; not answering: ${failing.join(', ')}` : ''}${bad.length ? `; cannot read ${bad.join('; ')}` : ''}`;
      return line(name, status, text, perf);
    }
    case 'sync-backlog': {
      if (!o.backlog) return line(name, 3, 'the backlog is not readable (administrators only)', []);
      const now = o.now ?? Date.now();
      const pending = o.backlog.reduce((n, b) => n + b.pending, 0);
      const errors = o.backlog.reduce((n, b) => n + b.errors, 0);
      const oldest = o.backlog.map((b) => b.oldest_pending).filter((t): t is string => Boolean(t)).sort()[0];
      const age = oldest ? Math.max(0, Math.round((now - Date.parse(oldest)) / 1000)) : 0;
      return line(name, verdict(age, w, c), `${pending} object(s) pending, the oldest for ${age} s; ${errors} in error`, [`oldest_age=${age}s${th};0`, `pending=${pending};;;0`, `errors=${errors};;;0`]);
    }
  }
}
