// The database handle behind a Store, for tests and benchmarks that arrange or inspect the
// database directly. XOS itself never uses it: outside src/store every read and write goes
// through the Store (test/unit/layers.test.ts checks).
import type { Db } from './db.js';
import type { Store } from './repository.js';

export const dbOf = (store: Store): Db => store['db'];
