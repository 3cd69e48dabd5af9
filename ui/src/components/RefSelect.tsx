// A searchable select for a reference: type to search the target model on the server, arrows to
// move, Enter to choose, Escape to close (the WAI-ARIA combobox pattern with a listbox popup).
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { api, type Query, type Row } from '../api';
import type { ModelInfo } from '../meta';
import { rememberTitle, titleOf, useTitles } from '../titles';
import { useDebounced } from '../hooks';
import { Icon } from './ui';

export interface RefSelectProps {
  id: string;
  target: ModelInfo;
  value: number | null;
  onChange: (id: number | null) => void;
  label?: string; // when the visible label is elsewhere, aria-labelledby is better; this is aria-label
  clearable?: boolean;
  placeholder?: string;
  disabled?: boolean;
  invalid?: boolean;
  describedBy?: string;
  required?: boolean;
  filter?: Query; // extra list filters (e.g. only this deployment's controllers)
}

export function RefSelect({ id, target, value, onChange, label, clearable, placeholder, disabled, invalid, describedBy, required, filter }: RefSelectProps) {
  const listId = useId();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState<string | null>(null); // null: not typing, show the selection
  const [options, setOptions] = useState<Row[]>([]);
  const [total, setTotal] = useState(0);
  const [active, setActive] = useState(-1);
  const [loading, setLoading] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const wrapRef = useRef<HTMLDivElement>(null);
  useTitles(value != null ? [[target.name, value]] : []);
  const search = useDebounced(text ?? '', 200);
  const filterKey = JSON.stringify(filter ?? {});

  useEffect(() => {
    if (!open) return;
    let cancelled = false;
    setLoading(true);
    const q: Query = { limit: 20, ...(filter ?? {}) };
    const s = search.trim();
    if (s) {
      if (target.search_fields.length) q.search = s;
      else if (/^\d+$/.test(s)) q.id = s;
    }
    if (target.title_field !== 'id') q.sort = target.title_field;
    api.list(target.plural, q).then(
      (r) => {
        if (cancelled) return;
        for (const row of r.items) rememberTitle(target, row);
        setOptions(r.items);
        setTotal(r.total);
        setActive(-1);
        setFailed(null);
        setLoading(false);
      },
      (e: Error) => {
        if (cancelled) return;
        setOptions([]);
        setFailed(e.message);
        setLoading(false);
      },
    );
    return () => {
      cancelled = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open, search, target, filterKey]);

  const choose = (row: Row | null) => {
    onChange(row ? row.id : null);
    setText(null);
    setOpen(false);
  };

  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      if (!open) setOpen(true);
      else setActive((a) => Math.min(options.length - 1, a + 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(0, a - 1));
    } else if (e.key === 'Enter') {
      if (open) {
        e.preventDefault();
        // Enter after typing takes the first match when none is highlighted.
        const pick = active >= 0 ? options[active] : text ? options[0] : undefined;
        if (pick) choose(pick);
      }
    } else if (e.key === 'Escape') {
      if (open) {
        e.preventDefault();
        e.stopPropagation();
        setOpen(false);
        setText(null);
      }
    } else if (e.key === 'Tab') {
      setOpen(false);
      setText(null);
    }
  };

  useEffect(() => {
    if (!open) return;
    const el = document.getElementById(`${listId}-${active}`);
    el?.scrollIntoView({ block: 'nearest' });
  }, [active, open, listId]);

  const shown = text ?? (value != null ? titleOf(target.name, value) : '');
  return (
    <div
      className={`combo${open ? ' combo-open' : ''}`}
      ref={wrapRef}
      onBlur={(e) => {
        if (!wrapRef.current?.contains(e.relatedTarget as Node | null)) {
          setOpen(false);
          setText(null);
        }
      }}
    >
      <input
        ref={inputRef}
        id={id}
        type="text"
        role="combobox"
        autoComplete="off"
        spellCheck={false}
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={listId}
        aria-activedescendant={open && active >= 0 ? `${listId}-${active}` : undefined}
        aria-label={label}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        aria-required={required || undefined}
        placeholder={placeholder ?? `Search ${target.label.toLowerCase()}s…`}
        disabled={disabled}
        value={shown}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
        }}
        onFocus={(e) => e.target.select()}
        onClick={() => setOpen(true)}
        onKeyDown={onKey}
      />
      {clearable && value != null && !disabled && (
        <button type="button" className="combo-clear" aria-label={`Clear ${label ?? 'selection'}`} onClick={() => choose(null)}>
          <Icon name="x" size={12} />
        </button>
      )}
      <button
        type="button"
        className="combo-toggle"
        tabIndex={-1}
        aria-hidden="true"
        disabled={disabled}
        onMouseDown={(e) => e.preventDefault()}
        onClick={() => {
          setOpen((o) => !o);
          inputRef.current?.focus();
        }}
      >
        <Icon name="down" size={14} />
      </button>
      <div className="combo-pop" hidden={!open}>
        <ul id={listId} role="listbox" className="combo-list" aria-label={`${target.label} choices`}>
          {options.map((o, i) => (
            <li
              key={o.id}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={o.id === value}
              className={`combo-option${i === active ? ' active' : ''}`}
              onMouseDown={(e) => e.preventDefault()}
              onMouseEnter={() => setActive(i)}
              onClick={() => choose(o)}
            >
              <span>{titleOf(target.name, o.id)}</span>
              <span className="muted small">#{o.id}</span>
            </li>
          ))}
        </ul>
        {loading && !options.length && <p className="combo-note">Searching…</p>}
        {failed && <p className="combo-note">{failed}</p>}
        {!loading && !failed && !options.length && <p className="combo-note">No {target.label.toLowerCase()} matches</p>}
        {total > options.length && <p className="combo-note">{total - options.length} more: type to narrow down</p>}
      </div>
    </div>
  );
}
