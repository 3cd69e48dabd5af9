// WAI-ARIA tabs: arrow keys, Home and End move between tabs; the selected one is in the URL.
import { useRef, type KeyboardEvent, type ReactNode } from 'react';
import { useScrollHint } from '../scroll-hint';

export interface TabDef {
  id: string;
  label: ReactNode;
  render: () => ReactNode;
}

export function Tabs({ tabs, selected, onSelect, label }: { tabs: TabDef[]; selected: string; onSelect: (id: string) => void; label: string }) {
  const current = tabs.find((t) => t.id === selected) ?? tabs[0];
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});
  const list = useScrollHint<HTMLDivElement>(tabs.length);
  const onKey = (e: KeyboardEvent) => {
    const i = tabs.indexOf(current);
    let j = -1;
    if (e.key === 'ArrowRight') j = (i + 1) % tabs.length;
    else if (e.key === 'ArrowLeft') j = (i - 1 + tabs.length) % tabs.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = tabs.length - 1;
    if (j < 0) return;
    e.preventDefault();
    onSelect(tabs[j].id);
    refs.current[tabs[j].id]?.focus();
  };
  return (
    <div className="tabs">
      <div role="tablist" aria-label={label} className="tablist" onKeyDown={onKey} ref={list}>
        {tabs.map((t) => (
          <button
            key={t.id}
            ref={(el) => {
              refs.current[t.id] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={t === current}
            aria-controls={`panel-${t.id}`}
            tabIndex={t === current ? 0 : -1}
            className="tab"
            onClick={() => onSelect(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${current.id}`} aria-labelledby={`tab-${current.id}`} className="tabpanel" tabIndex={0}>
        {current.render()}
      </div>
    </div>
  );
}
