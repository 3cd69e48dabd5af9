// The rows picked in a list for a bulk action. The pick belongs to one page of one query: it is
// dropped when the page, sort or filters change, and rows that leave the page leave it too.
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Row } from '../api';
import type { Selection } from './DataTable';

export function useSelection(key: string, rows: Row[] | undefined) {
  const [picked, setPicked] = useState<ReadonlySet<number>>(new Set());
  useEffect(() => setPicked(new Set()), [key]);
  const onPage = useMemo(() => rows ?? [], [rows]);
  const selected = useMemo(() => onPage.filter((r) => picked.has(r.id)), [onPage, picked]);
  const onChange = useCallback((rs: Row[], on: boolean) => {
    setPicked((p) => {
      const next = new Set(p);
      for (const r of rs) if (on) next.add(r.id);
      else next.delete(r.id);
      return next;
    });
  }, []);
  const selection: Selection = useMemo(() => ({ selected: new Set(selected.map((r) => r.id)), onChange }), [selected, onChange]);
  return {
    rows: selected,
    selection,
    clear: useCallback(() => setPicked(new Set()), []),
    keepOnly: useCallback((ids: Set<number>) => setPicked((p) => new Set([...p].filter((id) => ids.has(id)))), []),
  };
}
