import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from './api';
import { useLive, type Notice } from './live';

export interface QueryState<T> {
  data: T | undefined;
  error: ApiError | null;
  loading: boolean; // a request is in flight (the previous data stays shown meanwhile)
  stale: boolean; // data belongs to an earlier key
  reload: () => void;
}

// Fetch what `key` names; refetch when it changes, when reload() is called, or when a live
// notice matches `live`. Responses that arrive out of order are dropped.
export function useQuery<T>(
  key: string | null,
  fetcher: () => Promise<T>,
  live: ((n: Notice) => boolean) | null = null,
  throttleMs = 250,
): QueryState<T> {
  const [state, setState] = useState<{ key: string | null; data: T | undefined; error: ApiError | null; loading: boolean }>({
    key: null,
    data: undefined,
    error: null,
    loading: key !== null,
  });
  const seq = useRef(0);
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;

  const run = useCallback(() => {
    if (key === null) return;
    const n = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    fetcherRef.current().then(
      (data) => n === seq.current && setState({ key, data, error: null, loading: false }),
      (e: unknown) =>
        n === seq.current &&
        setState((s) => ({ key, data: s.key === key ? s.data : undefined, error: e instanceof ApiError ? e : new ApiError(0, String(e)), loading: false })),
    );
  }, [key]);

  useEffect(() => {
    run();
  }, [run]);
  useLive(key === null ? null : live, run, throttleMs);
  return { data: state.data, error: state.error, loading: state.loading, stale: state.key !== key, reload: run };
}

export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}
