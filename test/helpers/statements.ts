// Watches every statement sent through a store's database handle, a transaction's BEGIN and
// COMMIT included; the statements themselves go on unchanged, with their options.
import type { Db, Queryable, QueryOptions } from '../../src/store/db.js';

export function watchStatements(db: Db, note: (text: string, o?: QueryOptions) => void) {
  const query = db.query.bind(db);
  const transaction = db.transaction.bind(db);
  db.query = ((text, params, o) => {
    note(text, o);
    return query(text, params, o);
  }) as Db['query'];
  db.transaction = ((fn: (tx: Queryable) => Promise<unknown>) =>
    transaction((tx) => {
      note('BEGIN');
      return fn({
        query: ((text, params, o) => {
          note(text, o);
          return tx.query(text, params, o);
        }) as Queryable['query'],
      }).finally(() => note('COMMIT'));
    })) as Db['transaction'];
}
