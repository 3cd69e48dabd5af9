// What a list does to the rows picked in it: delete them (and power instances off or on), after
// one confirmation that names how many and which. Every row is tried, whatever happens to the
// others; the summary then names those that failed with the API's reason (403, 409, ...).
import { useState } from 'react';
import { api, ApiError, type Row } from '../api';
import { lower, pluralLabel, rowTitle, type ModelInfo } from '../meta';
import { ConfirmDialog } from './ConfirmDialog';
import { Alert } from './ui';

type Action = 'delete' | 'off' | 'on';

interface Outcome {
  action: Action;
  done: string[];
  failed: { id: number; name: string; why: string }[];
}

const VERB: Record<Action, { label: string; past: string }> = {
  delete: { label: 'Delete', past: 'Deleted' },
  off: { label: 'Power off', past: 'Powered off' },
  on: { label: 'Power on', past: 'Powered on' },
};
const SHOWN = 10; // names listed in a question before "and N more"
const PARALLEL = 4;

// "3 instances: db1, db2, web1" (at most SHOWN names).
export function describeRows(model: ModelInfo, rows: Row[]): string {
  const names = rows.map((r) => rowTitle(model, r)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const what = rows.length === 1 ? lower(model.label) : pluralLabel(model).toLowerCase();
  const listed = names.slice(0, SHOWN).join(', ') + (names.length > SHOWN ? ` and ${names.length - SHOWN} more` : '');
  return `${rows.length} ${what}: ${listed}`;
}

const reason = (e: unknown) => {
  if (!(e instanceof ApiError)) return String(e);
  const fields = e.errors.map((x) => `${x.field}: ${x.message}`).join('; ');
  return `${e.status ? `${e.status} ` : ''}${fields || e.detail}`;
};

// Runs f on every row, a few at a time, and says which failed and why.
async function each(model: ModelInfo, rows: Row[], action: Action, f: (r: Row) => Promise<unknown>): Promise<Outcome> {
  const out: Outcome = { action, done: [], failed: [] };
  const queue = [...rows];
  const worker = async () => {
    for (let r = queue.shift(); r; r = queue.shift()) {
      try {
        await f(r);
        out.done.push(rowTitle(model, r));
      } catch (e) {
        out.failed.push({ id: r.id, name: rowTitle(model, r), why: reason(e) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, rows.length) }, worker));
  return out;
}

export function BulkActions({ model, rows, onDone, onClear }: { model: ModelInfo; rows: Row[]; onDone: (failed: Set<number>) => void; onClear: () => void }) {
  const [asking, setAsking] = useState<Action | null>(null);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const power = model.plural === 'instances';
  const run = async (action: Action) => {
    setBusy(true);
    const o = await each(model, rows, action, (r) => (action === 'delete' ? api.remove(model.plural, r.id) : api.update(model.plural, r.id, { power: action })));
    setBusy(false);
    setAsking(null);
    setOutcome(o);
    onDone(new Set(o.failed.map((f) => f.id)));
  };
  const what = describeRows(model, rows);
  return (
    <>
      {rows.length > 0 && (
        <div className="bulk-bar" role="region" aria-label="Selected rows">
          <span className="bulk-count">{rows.length} selected</span>
          <button type="button" className="btn btn-small btn-danger" onClick={() => setAsking('delete')}>
            Delete selected
          </button>
          {power && (
            <>
              <button type="button" className="btn btn-small" onClick={() => setAsking('off')}>
                Power off selected
              </button>
              <button type="button" className="btn btn-small" onClick={() => setAsking('on')}>
                Power on selected
              </button>
            </>
          )}
          <button type="button" className="btn btn-small btn-quiet" onClick={onClear}>
            Clear selection
          </button>
        </div>
      )}
      {outcome && <Summary model={model} o={outcome} onClose={() => setOutcome(null)} />}
      <ConfirmDialog
        open={asking !== null}
        title={`${VERB[asking ?? 'delete'].label} ${what}?`}
        confirmLabel={`${VERB[asking ?? 'delete'].label} ${rows.length}`}
        danger={asking !== 'on'}
        busy={busy}
        onConfirm={() => asking && run(asking)}
        onCancel={() => setAsking(null)}
      >
        <p>
          {asking === 'delete'
            ? 'Each is deleted on its own; those you may not delete stay, and the summary says why.'
            : asking === 'off'
              ? 'The synchronizer stops their servers; their disks and addresses stay.'
              : 'The synchronizer starts their servers.'}
        </p>
      </ConfirmDialog>
    </>
  );
}

function Summary({ model, o, onClose }: { model: ModelInfo; o: Outcome; onClose: () => void }) {
  const n = (k: number) => `${k} ${k === 1 ? lower(model.label) : pluralLabel(model).toLowerCase()}`;
  const title = o.failed.length
    ? `${VERB[o.action].past} ${o.done.length} of ${o.done.length + o.failed.length}; ${n(o.failed.length)} failed`
    : `${VERB[o.action].past} ${n(o.done.length)}`;
  return (
    <div className="bulk-summary" data-testid="bulk-summary">
      <Alert kind={o.failed.length ? 'warning' : 'success'} title={title}>
        {o.done.length > 0 && <p>Done: {o.done.sort().join(', ')}</p>}
        {o.failed.length > 0 && (
          <ul className="plain">
            {o.failed.map((f) => (
              <li key={f.id}>
                <strong>{f.name}</strong>: {f.why}
              </li>
            ))}
          </ul>
        )}
        <button type="button" className="btn btn-small btn-quiet" onClick={onClose}>
          Dismiss
        </button>
      </Alert>
    </div>
  );
}
