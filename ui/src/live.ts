// Live updates: one stream of change notices (GET /api/events, server-sent events) for the whole
// page, read with fetch so that it carries the UI's headers. Pages subscribe with a filter and
// refetch what they show; after a reconnect everyone refetches, since notices may have been missed.
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { UI_HEADERS } from './api';

export interface Notice {
  model: string; // '*' after a reconnect: refresh everything
  id: number;
  op: 'create' | 'update' | 'delete' | 'sync' | 'resync';
  version: number;
}

type Listener = (n: Notice) => void;
const listeners = new Set<Listener>();
const statusListeners = new Set<() => void>();
let status: 'connecting' | 'live' | 'offline' = 'connecting';
let ctrl: AbortController | null = null;

const setStatus = (s: typeof status) => {
  status = s;
  statusListeners.forEach((l) => l());
};

export function subscribeLive(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function publish(n: Notice) {
  for (const l of [...listeners]) l(n);
}

export function startLive(onUnauthorized: () => void) {
  if (ctrl) return;
  const mine = new AbortController();
  ctrl = mine;
  void (async () => {
    let delay = 1000;
    let connectedBefore = false;
    while (!mine.signal.aborted) {
      setStatus('connecting');
      try {
        const res = await fetch('/api/events', { headers: { ...UI_HEADERS, Accept: 'text/event-stream' }, signal: mine.signal, credentials: 'same-origin' });
        if (res.status === 401) {
          onUnauthorized();
          break;
        }
        if (!res.ok || !res.body) throw new Error(`events: ${res.status}`);
        setStatus('live');
        if (connectedBefore) publish({ model: '*', id: 0, op: 'resync', version: 0 });
        connectedBefore = true;
        delay = 1000;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            if (!/^event: change$/m.test(block)) continue;
            const data = /^data: (.*)$/m.exec(block);
            if (!data) continue;
            try {
              publish(JSON.parse(data[1]) as Notice);
            } catch {
              /* a malformed notice is skipped */
            }
          }
        }
      } catch {
        /* connection lost or aborted: retry below */
      }
      if (mine.signal.aborted) break;
      setStatus('offline');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 15000);
    }
  })();
}

export function stopLive() {
  ctrl?.abort();
  ctrl = null;
  setStatus('connecting');
}

export function useLiveStatus() {
  return useSyncExternalStore(
    (l) => {
      statusListeners.add(l);
      return () => statusListeners.delete(l);
    },
    () => status,
  );
}

// Call `onChange` when a notice matches `filter`: at once for the first, then at most every
// `throttleMs` while more arrive, so a burst of synchronizer writes costs one refetch.
export function useLive(filter: ((n: Notice) => boolean) | null, onChange: () => void, throttleMs = 250) {
  const latest = useRef({ filter, onChange });
  latest.current = { filter, onChange };
  const enabled = filter !== null;
  useEffect(() => {
    if (!enabled) return;
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const fire = () => {
      timer = null;
      last = Date.now();
      latest.current.onChange();
    };
    const l: Listener = (n) => {
      const f = latest.current.filter;
      if (!f || !(n.model === '*' || f(n))) return;
      if (timer) return;
      const wait = Math.max(0, last + throttleMs - Date.now());
      timer = setTimeout(fire, wait);
    };
    listeners.add(l);
    return () => {
      listeners.delete(l);
      if (timer) clearTimeout(timer);
    };
  }, [enabled, throttleMs]);
}
