// Small building blocks shared by every page.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { ApiError } from '../api';
import type { ApiSyncState } from '../../../src/model/rows';
import { statusMessage } from '../meta';
import { navigationCount } from '../router';
import { useSessionOptional } from '../session';

export function Icon({ name, size = 16 }: { name: 'ok' | 'pending' | 'error' | 'retry' | 'plus' | 'edit' | 'trash' | 'copy' | 'search' | 'live' | 'down' | 'x'; size?: number }) {
  const p: Record<string, ReactNode> = {
    ok: <path d="M4 8.5l2.5 2.5L12 5.5" />,
    pending: (
      <>
        <circle cx="8" cy="8" r="6" />
        <path d="M8 4.5V8l2.5 1.5" />
      </>
    ),
    error: (
      <>
        <circle cx="8" cy="8" r="6" />
        <path d="M8 4.5v4M8 11v.01" />
      </>
    ),
    retry: <path d="M13 8a5 5 0 1 1-1.5-3.5M13 3v3h-3" />,
    plus: <path d="M8 3v10M3 8h10" />,
    edit: <path d="M3 13h3l7-7-3-3-7 7v3z" />,
    trash: <path d="M3 4.5h10M6.5 4.5V3h3v1.5M4.5 4.5l.7 8.5h5.6l.7-8.5" />,
    copy: (
      <>
        <rect x="5.5" y="5.5" width="7.5" height="7.5" rx="1" />
        <path d="M3 10.5V3h7.5" />
      </>
    ),
    search: (
      <>
        <circle cx="7" cy="7" r="4" />
        <path d="M10 10l3.5 3.5" />
      </>
    ),
    live: <circle cx="8" cy="8" r="3.5" fill="currentColor" />,
    down: <path d="M4 6l4 4 4-4" />,
    x: <path d="M4 4l8 8M12 4l-8 8" />,
  };
  return (
    <svg className="icon" width={size} height={size} viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.7" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      {p[name]}
    </svg>
  );
}

const STATUS = {
  0: { cls: 'pending', label: 'Pending', icon: 'pending' as const },
  1: { cls: 'ok', label: 'OK', icon: 'ok' as const },
  2: { cls: 'error', label: 'Error', icon: 'error' as const },
};

// What a status is read from: a synced row (not every row has one).
type Synced = Partial<Pick<ApiSyncState, 'backend_code' | 'backend_status'>>;

export const statusOf = (row: Synced) => {
  const code = row.backend_code ?? 0;
  return STATUS[(code in STATUS ? code : 0) as 0 | 1 | 2];
};

// The synchronizer's verdict on a row: a coloured badge with its word, and the message.
export function StatusBadge({ row, withMessage = false }: { row: Synced; withMessage?: boolean }) {
  const s = statusOf(row);
  const msg = statusMessage(row.backend_status);
  return (
    <span className={`status status-${s.cls}`} title={msg || undefined} data-status={s.cls}>
      <span className="status-pill">
        <Icon name={s.icon} size={14} />
        {s.label}
      </span>
      {withMessage && msg && msg !== s.label && <span className="status-msg">{msg}</span>}
    </span>
  );
}

const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const dtf = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'medium' });

export function relative(iso: string, now = Date.now()): string {
  const d = (new Date(iso).getTime() - now) / 1000;
  const a = Math.abs(d);
  if (a < 45) return d < 0 ? 'just now' : 'in a few seconds';
  if (a < 3600) return rtf.format(Math.round(d / 60), 'minute');
  if (a < 86400) return rtf.format(Math.round(d / 3600), 'hour');
  if (a < 86400 * 30) return rtf.format(Math.round(d / 86400), 'day');
  return dtf.format(new Date(iso));
}

// A time shown as "3 minutes ago", exact on hover; it stays current while the page is open.
export function RelTime({ iso, empty = '—' }: { iso: string | null | undefined; empty?: string }) {
  const [, tick] = useState(0);
  useEffect(() => {
    if (!iso) return;
    const t = setInterval(() => tick((x) => x + 1), 30000);
    return () => clearInterval(t);
  }, [iso]);
  if (!iso) return <span className="muted">{empty}</span>;
  return (
    <time dateTime={iso} title={dtf.format(new Date(iso))}>
      {relative(iso)}
    </time>
  );
}

// The page's heading; after an in-app navigation it takes the focus, so screen readers announce
// the new page and keyboard users start from its top.
export function PageTitle({ children, title }: { children: ReactNode; title: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  const brand = useSessionOptional()?.config.branding_name ?? 'XOS';
  useEffect(() => {
    document.title = `${title} · ${brand}`;
  }, [title, brand]);
  useEffect(() => {
    if (navigationCount() > 0) ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}

export function Alert({ kind = 'error', children, title }: { kind?: 'error' | 'info' | 'warning' | 'success'; children: ReactNode; title?: string }) {
  return (
    <div className={`alert alert-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {title && <strong className="alert-title">{title}</strong>}
      <div>{children}</div>
    </div>
  );
}

export function ErrorAlert({ error, what }: { error: ApiError | null; what?: string }) {
  if (!error) return null;
  const detail = error.status === 403 ? `You may not ${what ?? 'see this'}: ${error.detail}` : error.detail;
  return <Alert title={error.status === 404 ? 'Not found' : error.status === 403 ? 'Not allowed' : 'Something went wrong'}>{detail}</Alert>;
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      className="btn btn-icon btn-quiet"
      aria-label={label}
      title={done ? 'Copied' : label}
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setDone(true);
          setTimeout(() => setDone(false), 1500);
        } catch {
          /* clipboard unavailable (plain http): the text is selectable */
        }
      }}
    >
      <Icon name={done ? 'ok' : 'copy'} size={14} />
    </button>
  );
}

export const fmtInt = (n: number) => new Intl.NumberFormat('en').format(n);
