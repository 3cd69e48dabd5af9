// The engine's cache for its backends: bounded, least recently used entries go first, so that a
// long-running synchronizer over many clusters and projects never grows without limit.
import { LRUCache } from 'lru-cache';
import type { SyncCache } from './types.js';

export function boundedCache(max: number): SyncCache {
  const lru = new LRUCache<string, { v: unknown }>({ max });
  return {
    get: <T>(key: string) => lru.get(key)?.v as T | undefined,
    set: (key, value) => void lru.set(key, { v: value }),
    delete: (key) => void lru.delete(key),
  };
}
