// What the supervisor of `xos serve` and its worker processes tell each other.
export type ToWorker =
  | { t: 'conn' } // with a connection's socket as the handle
  | { t: 'drain' }; // finish what is in flight, then exit

export type FromWorker =
  | { t: 'ready'; db: string }
  | { t: 'drained' };
