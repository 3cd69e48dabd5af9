// A synced object's state on its clusters: the status with its message, when it last synced,
// when it tries again, and "Retry now".
import { useState } from 'react';
import { api, type ApiError, type Row } from '../api';
import { statusMessage, type ModelInfo } from '../meta';
import { useSession } from '../session';
import { Icon, RelTime, StatusBadge, statusOf } from './ui';
import { useToast } from './Toasts';

// Any row of the model will do: it needs the id, and the title field to name it.
export function RetryButton({ model, row, small = false, onDone }: { model: ModelInfo; row: Pick<Row, 'id'> & { [field: string]: unknown }; small?: boolean; onDone?: () => void }) {
  const { readOnly } = useSession();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  if (readOnly) return null;
  const name = row[model.title_field] ?? `#${row.id}`;
  return (
    <button
      type="button"
      className={`btn ${small ? 'btn-small' : ''}`}
      disabled={busy}
      aria-label={small ? `Retry ${model.label.toLowerCase()} ${name} now` : undefined}
      onClick={async () => {
        setBusy(true);
        try {
          await api.retry(model.plural, row.id);
          toast(`Retry requested for ${model.label.toLowerCase()} ${name}`);
          onDone?.();
        } catch (e) {
          toast(`Retry failed: ${(e as ApiError).detail}`, 'error');
        } finally {
          setBusy(false);
        }
      }}
    >
      <Icon name="retry" size={14} />
      {small ? 'Retry' : 'Retry now'}
    </button>
  );
}

export function SyncPanel({ model, row, onRetried }: { model: ModelInfo; row: Row; onRetried?: () => void }) {
  const s = statusOf(row);
  const msg = statusMessage(row.backend_status);
  const terminal = row.backend_reason === 'unrecoverable';
  return (
    <section className={`card sync sync-${s.cls}`} aria-labelledby="sync-title">
      <div className="card-head">
        <h2 id="sync-title">Synchronization</h2>
        <RetryButton model={model} row={row} onDone={onRetried} />
      </div>
      <div className="sync-status" data-testid="sync-status">
        <StatusBadge row={row} />
        <span className="sync-message">{msg || s.label}</span>
      </div>
      <dl className="props props-compact">
        {row.backend_reason && (
          <>
            <dt>Reason</dt>
            <dd>
              {row.backend_reason}
              {terminal && <span className="muted"> — not retried by itself: fix the cause, then change the object or retry now</span>}
            </dd>
          </>
        )}
        <dt>Last sync</dt>
        <dd>
          <RelTime iso={row.last_sync} empty="never" />
        </dd>
        <dt>Next retry</dt>
        <dd>
          {row.next_retry ? <RelTime iso={row.next_retry} /> : <span className="muted">{s.cls === 'ok' ? 'not needed' : terminal ? 'none scheduled' : 'as soon as a worker is free'}</span>}
          {row.retry_count != null && row.retry_count > 0 && <span className="muted"> (attempt {row.retry_count + 1})</span>}
        </dd>
        <dt>Enacted</dt>
        <dd>
          <RelTime iso={row.enacted} empty="not yet" />
        </dd>
        {row.backend_request_id && (
          <>
            <dt>Request ID</dt>
            <dd className="mono">{row.backend_request_id}</dd>
          </>
        )}
      </dl>
    </section>
  );
}
