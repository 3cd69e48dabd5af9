// An instance's power and console: the power asked for beside what Nova reports (so that "OK"
// never hides a stopped server), Power off / Power on, Reboot, and the browser console.
import { useEffect, useState } from 'react';
import { api, type ApiError, type RowOf } from '../api';
import { useSession } from '../session';
import { ConfirmDialog } from './ConfirmDialog';
import { RelTime } from './ui';
import { useToast } from './Toasts';

type Instance = RowOf<'instances'>;

// What Nova says, in a word a person reads at a glance: "running", "shut down", "powering off".
export function powerLabel(row: Pick<Instance, 'power' | 'power_state' | 'task_state'>): { text: string; cls: 'ok' | 'pending' | 'off' | 'error' } {
  if (row.task_state) return { text: row.task_state.replace(/_/g, ' '), cls: 'pending' };
  switch (row.power_state) {
    case 'running':
      return { text: 'running', cls: row.power === 'off' ? 'pending' : 'ok' };
    case 'shutdown':
      return { text: 'shut down', cls: row.power === 'on' ? 'pending' : 'off' };
    case null:
    case undefined:
      return { text: 'no server yet', cls: 'pending' };
    case 'crashed':
      return { text: 'crashed', cls: 'error' };
    default:
      return { text: row.power_state, cls: 'pending' };
  }
}

export function PowerBadge({ row }: { row: Pick<Instance, 'power' | 'power_state' | 'task_state'> }) {
  const p = powerLabel(row);
  return (
    <span className={`power power-${p.cls}`} data-testid="power-state" title={`Asked: power ${row.power}; Nova: ${row.power_state ?? 'no server'}${row.task_state ? `, ${row.task_state}` : ''}`}>
      {p.text}
    </span>
  );
}

export function ConsoleButton({ instance }: { instance: Pick<Instance, 'id' | 'instance_uuid'> }) {
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const [url, setUrl] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        className="btn"
        disabled={busy || !instance.instance_uuid}
        title={instance.instance_uuid ? 'Open the browser console (noVNC) in a new window' : 'The instance has no server yet'}
        onClick={async () => {
          setBusy(true);
          try {
            const c = await api.console(instance.id);
            setUrl(c.url);
            window.open(c.url, '_blank', 'noopener');
          } catch (e) {
            toast(`No console: ${(e as ApiError).detail}`, 'error');
          } finally {
            setBusy(false);
          }
        }}
      >
        Console
      </button>
      {url && (
        <a className="console-link" href={url} target="_blank" rel="noopener noreferrer" data-testid="console-url">
          console link
        </a>
      )}
    </>
  );
}

export function InstancePower({ instance, onChanged }: { instance: Instance; onChanged: () => void }) {
  const { readOnly } = useSession();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState<null | 'off' | 'soft' | 'hard'>(null);
  const name = instance.name ?? instance.instance_name ?? `#${instance.id}`;
  const act = async (what: 'off' | 'on' | 'soft' | 'hard') => {
    setBusy(true);
    try {
      if (what === 'off' || what === 'on') await api.update('instances', instance.id, { power: what });
      else await api.reboot(instance.id, what);
      toast(what === 'off' || what === 'on' ? `Power ${what} requested for ${name}` : `${what === 'hard' ? 'Hard' : 'Soft'} reboot requested for ${name}`);
      onChanged();
    } catch (e) {
      toast(`Not done: ${(e as ApiError).detail}`, 'error');
    } finally {
      setBusy(false);
      setConfirm(null);
    }
  };
  return (
    <section className="card" aria-labelledby="power-title">
      <div className="card-head">
        <h2 id="power-title">Power</h2>
        <PowerBadge row={instance} />
      </div>
      <dl className="props props-compact">
        <dt>Asked for</dt>
        <dd data-testid="power-desired">power {instance.power}</dd>
        <dt>Nova power state</dt>
        <dd>{instance.power_state ?? <span className="muted">no server yet</span>}</dd>
        <dt>Nova task</dt>
        <dd>{instance.task_state ?? <span className="muted">none</span>}</dd>
        <dt>Last reboot</dt>
        <dd>
          <RelTime iso={instance.last_reboot} empty="never" />
          {instance.reboot_requests > instance.reboots_done && <span className="muted"> (a {instance.reboot_type} reboot is pending)</span>}
        </dd>
      </dl>
      <div className="actions power-actions">
        {!readOnly &&
          (instance.power === 'on' ? (
            <>
              <button type="button" className="btn" disabled={busy} onClick={() => setConfirm('off')}>
                Power off
              </button>
              <button type="button" className="btn" disabled={busy} onClick={() => setConfirm('soft')}>
                Reboot
              </button>
            </>
          ) : (
            <button type="button" className="btn" disabled={busy} onClick={() => act('on')}>
              Power on
            </button>
          ))}
        <ConsoleButton instance={instance} />
      </div>
      <ConfirmDialog
        open={confirm !== null}
        title={confirm === 'off' ? `Power off instance ${name}?` : `Reboot instance ${name}?`}
        confirmLabel={confirm === 'off' ? 'Power off' : confirm === 'hard' ? 'Hard reboot' : 'Reboot'}
        danger={confirm === 'off'}
        busy={busy}
        onConfirm={() => confirm && act(confirm)}
        onCancel={() => setConfirm(null)}
      >
        <p>
          {confirm === 'off'
            ? 'The synchronizer stops its server; it stays stopped until you power it on.'
            : 'The synchronizer asks its server to restart once (a soft reboot).'}
        </p>
        {confirm !== 'off' && (
          <label className="inline-check">
            <input type="checkbox" checked={confirm === 'hard'} onChange={(e) => setConfirm(e.target.checked ? 'hard' : 'soft')} /> Hard reboot (reset the
            server)
          </label>
        )}
      </ConfirmDialog>
    </section>
  );
}

// The Log tab: the last lines of the console output, refreshed on demand.
export function ConsoleLog({ instance }: { instance: Pick<Instance, 'id' | 'instance_uuid'> }) {
  const [lines, setLines] = useState(100);
  const [log, setLog] = useState<{ output: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const load = async (n = lines) => {
    setBusy(true);
    setError(null);
    try {
      setLog(await api.consoleLog(instance.id, n));
    } catch (e) {
      setError((e as ApiError).detail);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    if (instance.instance_uuid) void load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [instance.id, instance.instance_uuid]);
  if (!instance.instance_uuid) return <p className="empty">The instance has no server yet, so there is no console log.</p>;
  return (
    <section aria-label="Console log">
      <div className="section-head">
        <label>
          Last{' '}
          <select
            value={lines}
            onChange={(e) => {
              setLines(Number(e.target.value));
              void load(Number(e.target.value));
            }}
          >
            {[50, 100, 500, 2000].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>{' '}
          lines
        </label>
        <button type="button" className="btn btn-small" disabled={busy} onClick={() => load()}>
          Refresh
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {log && (
        <pre className="console-log" data-testid="console-log">
          {log.output || '(empty)'}
        </pre>
      )}
    </section>
  );
}
