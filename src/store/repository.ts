// The generic repository: list, get, create, update and soft-delete rows of any model. Every
// write validates the whole row, checks references and uniqueness, bumps `updated` and `version`,
// records an audit entry and emits a change notice, all or nothing: in one transaction, or, for a
// create that writes only its own row, in one statement after its checks (see create).
import { checkInput } from '../model/jsonschema.js';
import { includedIn, linksTo, model as modelNamed, models, referencesTo } from '../model/registry.js';
import type { FieldDef, FieldError, ModelContext, ModelDef, Row, Settings } from '../model/types.js';
import type { Rows } from '../model/rows.js';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from '../model/errors.js';
import { NUL_MESSAGE } from '../model/nul.js';
import { CHANGES_CHANNEL, openDb, type Db, type OpenOptions, type Queryable } from './db.js';
import { compile, equalities, ident, join, raw, samePlan, sql, type Frag } from './sql.js';
import type { SecretBox } from './secrets.js';
import { parseFilterValue } from './filter-value.js';
import { ReferenceCache } from './reference-cache.js';
import { SyncState } from './sync-state.js';
import { Addresses } from './addresses.js';
import { Accounts } from './accounts.js';
import { Stats } from './stats.js';
import { ClusterReports } from './cluster-reports.js';
import { Requests } from './requests.js';
import { exportSql } from './export.js';
import { changesSince } from './changes-since.js';
import { afterCursor, cappedCount, decodeCursor, encodeCursor, estimateQuery, EXACT_TOTAL_CAP, keysetDirection, planRows } from './list-page.js';

import { SYSTEM, type Actor } from './actor.js';
export { SYSTEM, type Actor };

// Called inside the write transaction with the final row, so access rules see derived fields.
export type Authorize = (after: Row | null, before: Row | null, ctx: ModelContext) => Promise<void>;

// What a write's follow-up may do inside the write's transaction.
export interface InTransaction {
  accounts: Accounts;
}

// What a write is checked against, besides the model's own rules.
export interface WriteOptions extends Precondition {
  authorize?: Authorize;
  scope?: Frag; // update, delete: the row must be in it, else 404
  // The rows of a model the caller may see (undefined: all). A reference to a row outside it is
  // answered exactly as a reference to a row that does not exist, and a duplicate it holds is
  // not named, so that a write never reveals rows its caller cannot read.
  visible?: (m: ModelDef) => Frag | undefined;
  // Runs in the write's transaction once the row is written (after: null on delete).
  afterWrite?: (inTx: InTransaction, after: Row | null, before: Row | null) => Promise<void>;
}

export interface ListOptions {
  filters?: Record<string, string | string[] | undefined>;
  search?: string;
  sort?: string;
  limit?: number;
  offset?: number;
  scope?: Frag; // row filter from auth, over alias t
  liveOnly?: boolean; // refuse a `deleted` filter: the caller may not see deleted rows
  cursor?: string; // from a previous page's `next` (default order only)
}

export interface ListPage {
  items: Row[];
  total: number;
  totalExact: boolean; // false: total is the planner's estimate (more than EXACT_TOTAL_CAP rows)
  next: { cursor: string } | { offset: number } | null; // null: this is the last page
}

// A write that applies only to the row as the caller last saw it (else PreconditionFailedError):
// its version, or any test of the row as the API shows it (the HTTP layer's If-Match).
export interface Precondition {
  ifVersion?: number;
  ifMatch?: (current: Row) => boolean;
}

export interface ChangeNotice {
  model: string;
  id: number;
  op: 'create' | 'update' | 'delete' | 'sync';
  version: number;
}

export interface StoreOptions {
  secrets: SecretBox;
  hashPassword: (plain: string) => Promise<string>;
  settings?: Partial<Settings>; // site-wide defaults that models fill fields from
}

const T = raw('t');
const REUSE_PLAN = { reusePlan: true } as const;
const tableOf = new Map(models.map((m) => [m.name, m.table]));

// The rows a write references (by index in its list of references), and their sites.
interface Referenced {
  found: ReadonlyMap<number, { row: Row; visible: boolean }>;
  sites: readonly Row[];
}

// The only holder of the database handle: every read and write of XOS goes through a Store (or
// one of its parts below, which share its bookkeeping of versions, audit and change notices).
export class Store {
  readonly sync: SyncState;
  readonly addresses: Addresses;
  readonly accounts: Accounts;
  readonly stats: Stats;
  readonly clusters: ClusterReports;
  readonly requests: Requests;

  constructor(
    private readonly db: Db,
    private readonly opts: StoreOptions,
  ) {
    const core = { db, notify: (q: Queryable, n: ChangeNotice) => this.notify(q, n), audit: this.audit.bind(this), context: this.context.bind(this) };
    this.sync = new SyncState(core);
    this.addresses = new Addresses(core);
    this.accounts = new Accounts(db, () => this.told('credentials'));
    this.stats = new Stats(db);
    this.clusters = new ClusterReports(db);
    this.requests = new Requests(core);
  }

  // ---- this process's writes -----------------------------------------------------------------

  private readonly localListeners = new Set<(what: string) => void>();
  private readonly references = new ReferenceCache<Referenced>(new Set(tableOf.values()));
  private readonly writtenIn = new WeakMap<Queryable, Set<string>>();

  // Told, in this process, the model of every row written (as soon as it is written, and again
  // once its transaction has committed) and 'credentials' when a session or token ends: what a
  // cache of who is calling needs to forget them at once. Returns the unsubscribe function.
  onLocalWrite(listener: (what: string) => void): () => void {
    this.localListeners.add(listener);
    return () => this.localListeners.delete(listener);
  }

  private told(what: string) {
    const table = tableOf.get(what);
    if (table) this.references.changed(table);
    for (const l of this.localListeners) l(what);
  }

  // A write's transaction; once it commits, the listeners hear again of every model it wrote.
  private async write<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    let written: Set<string> | undefined;
    const out = await this.db.transaction((tx) => {
      written = new Set();
      this.writtenIn.set(tx, written);
      return fn(tx);
    });
    for (const m of written ?? []) this.told(m);
    return out;
  }

  // A store over the database these options name (migrated to the current schema).
  static async open(where: OpenOptions, opts: StoreOptions): Promise<Store> {
    return new Store(await openDb(where), opts);
  }

  get kind(): Db['kind'] {
    return this.db.kind;
  }

  // For messages: the data directory, or the server without its password.
  get where(): string {
    return this.db.where;
  }

  close(): Promise<void> {
    return this.db.close();
  }

  // The database answers (health checks).
  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }

  // Every change notice (of this process and, on PostgreSQL, of every other), until the returned
  // function is called.
  // onResume: the feed was interrupted (the database restarted) and is back; what changed
  // meanwhile came with no notice, so a listener that must not miss anything looks again.
  onChange(listener: (n: ChangeNotice) => void, onResume?: (lostAt: Date) => void): Promise<() => Promise<void>> {
    return this.db.listen(CHANGES_CHANNEL, (payload) => {
      let n: ChangeNotice;
      try {
        n = JSON.parse(payload);
      } catch {
        return; // not one of ours
      }
      listener(n);
    }, onResume);
  }

  // What changed since a moment, as notices (at most `limit`): see changes-since.ts.
  changesSince(since: Date, limit: number): Promise<ChangeNotice[]> {
    return changesSince(this.db, models, since, limit);
  }

  // How many migrations the database has had.
  async migrationsApplied(): Promise<number> {
    const [{ n }] = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
    return n;
  }

  // The whole database as SQL for psql (see export.ts).
  exportTo(out: NodeJS.WritableStream): Promise<void> {
    return exportSql(this.db, out);
  }

  // Whether a row passes a row filter: null when there is no such row at all (deleted ones
  // included).
  async passes(m: ModelDef, id: number, scope: Frag): Promise<boolean | null> {
    const [row] = await this.run<{ ok: boolean }>(this.db, sql`SELECT (${scope}) AS ok FROM ${ident(m.table)} t WHERE t.id = ${id}`);
    return row ? row.ok === true : null;
  }

  // Live rows with these values, in id order.
  find(m: ModelDef, where: Row): Promise<Row[]> {
    return this.selectLive(m, equalities(where));
  }

  // Live rows whose field has one of these values (and these others), in id order.
  async findIn(m: ModelDef, field: string, values: unknown[], where: Row = {}): Promise<Row[]> {
    return values.length ? this.selectLive(m, [sql`${ident(field)} = ANY(${values})`, ...equalities(where)]) : [];
  }

  private selectLive(m: ModelDef, conds: Frag[]): Promise<Row[]> {
    return this.run(this.db, sql`SELECT * FROM ${ident(m.table)} WHERE ${join([sql`deleted = false`, ...conds], ' AND ')} ORDER BY id`);
  }

  private async run<R = Row>(q: Queryable, f: Frag): Promise<R[]> {
    const { text, values } = compile(f);
    try {
      return await q.query<R>(text, values, f.reusePlan ? REUSE_PLAN : undefined);
    } catch (e) {
      throw translateDbError(e);
    }
  }

  // What a model's rules may read. With `seen`, the rows of one write's checks: each live row is
  // read once (the references the write names are put there by the check of its references).
  context(q: Queryable = this.db, seen?: Map<string, Row | null>): ModelContext {
    return {
      get: async (name, id) => {
        if (!Number.isInteger(id)) return null;
        const key = `${name}:${id}`;
        if (seen?.has(key)) return seen.get(key) as Rows[typeof name] | null;
        const m = modelNamed(name);
        const [row] = await this.run<Rows[typeof name]>(q, samePlan(sql`SELECT * FROM ${ident(m.table)} WHERE id = ${id} AND deleted = false`));
        seen?.set(key, row ?? null);
        return row ?? null;
      },
      getMany: async (name, ids) => {
        const key = (id: number) => `${name}:${id}`;
        const wanted = [...new Set(ids.filter((id) => Number.isInteger(id) && !seen?.has(key(id))))];
        const read = new Map<number, Rows[typeof name]>();
        if (wanted.length) {
          const m = modelNamed(name);
          for (const row of await this.run<Rows[typeof name]>(q, samePlan(sql`SELECT * FROM ${ident(m.table)} WHERE id = ANY(${wanted}::int[]) AND deleted = false`)))
            read.set(Number(row.id), row);
          for (const id of wanted) seen?.set(key(id), read.get(id) ?? null);
        }
        return ids.map((id) => (Number.isInteger(id) ? ((seen?.get(key(id)) ?? read.get(id) ?? null) as Rows[typeof name] | null) : null));
      },
      count: async (name, where, except) => {
        const m = modelNamed(name);
        const conds = Object.entries(where).map(([f, v]) => (v === null ? sql`${ident(f)} IS NULL` : sql`${ident(f)} = ${v}`));
        const [{ n }] = await this.run<{ n: number }>(
          q,
          sql`SELECT count(*)::int AS n FROM ${ident(m.table)} WHERE deleted = false AND id <> ${except ?? 0}${conds.length ? sql` AND ${join(conds, ' AND ')}` : raw('')}`,
        );
        return n;
      },
      findOne: async (name, where) => {
        const m = modelNamed(name);
        const conds = Object.entries(where).map(([f, v]) => (v === null ? sql`${ident(f)} IS NULL` : sql`${ident(f)} = ${v}`));
        const [row] = await this.run<Rows[typeof name]>(
          q,
          sql`SELECT * FROM ${ident(m.table)} WHERE deleted = false${conds.length ? sql` AND ${join(conds, ' AND ')}` : raw('')} ORDER BY id LIMIT 1`,
        );
        return row ?? null;
      },
      settings: { defaultFlavor: this.opts.settings?.defaultFlavor ?? null },
    };
  }

  // ---- reading -------------------------------------------------------------------------------

  // One page of rows. On the default order (by id) the page after it is named by a keyset
  // cursor, so every page costs what the first does; other orders page by offset. The total is
  // exact up to EXACT_TOTAL_CAP rows and the planner's estimate above it (totalExact says which).
  async list(m: ModelDef, o: ListOptions = {}): Promise<ListPage> {
    const where = this.whereClause(m, o);
    const limit = Math.min(Math.max(o.limit ?? 50, 1), 1000);
    const offset = Math.max(o.offset ?? 0, 0);
    const order = orderBy(m, o.sort);
    const dir = keysetDirection(o.sort);
    const pageWhere = o.cursor ? join([where, afterCursor(dir!, decodeCursor(o.cursor, dir))], ' AND ') : where;
    // One row more than the page tells whether there is a next page without counting.
    const page = sql`WHERE ${pageWhere} ORDER BY ${order} LIMIT ${limit + 1} OFFSET ${offset}`;
    const rows = await this.run(
      this.db,
      dir && filtersOneRef(m, o.filters)
        ? sql`SELECT t.* FROM ${ident(m.table)} t WHERE t.id IN (SELECT t.id FROM ${ident(m.table)} t ${page}) ORDER BY ${order}`
        : sql`SELECT t.* FROM ${ident(m.table)} t ${page}`,
    );
    const more = rows.length > limit;
    const items = more ? rows.slice(0, limit) : rows;
    const { total, exact } = !o.cursor && offset === 0 && !more ? { total: items.length, exact: true } : await this.total(m, where);
    const next = !more ? null : dir ? { cursor: encodeCursor(dir, Number(items[items.length - 1].id)) } : { offset: offset + limit };
    return { items: items.map((r) => this.present(m, r)), total, totalExact: exact, next };
  }

  private async total(m: ModelDef, where: Frag): Promise<{ total: number; exact: boolean }> {
    const [{ n }] = await this.run<{ n: number }>(this.db, cappedCount(ident(m.table), where));
    if (n <= EXACT_TOTAL_CAP) return { total: n, exact: true };
    const estimate = planRows(await this.run(this.db, estimateQuery(ident(m.table), where)));
    return { total: Math.max(estimate, EXACT_TOTAL_CAP + 1), exact: false };
  }

  async get(m: ModelDef, id: number, scope?: Frag, opts: { includeDeleted?: boolean } = {}): Promise<Row> {
    const row = await this.fetch(this.db, m, id, scope, { includeDeleted: opts.includeDeleted });
    if (!row) throw new NotFoundError(`${m.name} ${id}`);
    return this.present(m, row);
  }

  // The stored row, secrets still encrypted (for the synchronizer and auth).
  async raw(m: ModelDef, id: number): Promise<Row | null> {
    return this.fetch(this.db, m, id, undefined, { includeDeleted: true });
  }

  encrypt(plain: string): string {
    return this.opts.secrets.encrypt(plain);
  }

  secret(stored: unknown): string | null {
    return typeof stored === 'string' && stored ? this.opts.secrets.decrypt(stored) : null;
  }

  private async fetch(q: Queryable, m: ModelDef, id: number, scope?: Frag, o: { includeDeleted?: boolean; lock?: boolean } = {}) {
    const live = o.includeDeleted ? raw('true') : raw('t.deleted = false');
    // By id: the primary key finds the row whatever the scope says.
    const [row] = await this.run(
      q,
      samePlan(sql`SELECT t.* FROM ${ident(m.table)} t WHERE t.id = ${id} AND ${live} AND ${scope ?? raw('true')}${raw(o.lock ? ' FOR UPDATE' : '')}`),
    );
    return row ?? null;
  }

  private whereClause(m: ModelDef, o: ListOptions): Frag {
    const parts: Frag[] = [o.scope ?? raw('true')];
    const errors: FieldError[] = [];
    let deletedGiven = false;
    for (const [key, rawVal] of Object.entries(o.filters ?? {})) {
      const value = filterValue(rawVal);
      if (value === undefined) continue;
      const [field, op = 'eq', ...more] = key.split('__');
      if (more.length) {
        errors.push({ field: key, message: 'takes one operator: field__op, e.g. name__contains' });
        continue;
      }
      const d = m.fields[field];
      if (!d || d.hidden || d.type === 'password' || d.type === 'secret') {
        errors.push({ field: key, message: `is not a field of ${m.name} that can be filtered on` });
        continue;
      }
      if (value.includes('\u0000')) {
        errors.push({ field: key, message: NUL_MESSAGE });
        continue;
      }
      if (field === 'deleted') {
        if (o.liveOnly) {
          errors.push({ field: key, message: 'only administrators may list deleted rows' });
          continue;
        }
        deletedGiven = true;
      }
      const col = sql`t.${ident(field)}`;
      try {
        if (op === 'eq') parts.push(value === 'null' && (d.nullable || d.type === 'ref') ? sql`${col} IS NULL` : sql`${col} = ${parseFilterValue(d.type, value)}`);
        else if (op === 'in') {
          const vals = value.split(',').filter(Boolean).map((v) => parseFilterValue(d.type, v));
          parts.push(vals.length ? sql`${col} = ANY(${vals})` : raw('false'));
        } else if (op === 'contains' && ['string', 'text', 'email', 'url'].includes(d.type))
          parts.push(sql`${col} ILIKE ${'%' + escapeLike(value) + '%'}`);
        else if (['gt', 'gte', 'lt', 'lte'].includes(op) && ['integer', 'float', 'datetime', 'ref'].includes(d.type))
          parts.push(sql`${col} ${raw({ gt: '>', gte: '>=', lt: '<', lte: '<=' }[op]!)} ${parseFilterValue(d.type, value)}`);
        else errors.push({ field: key, message: `"${op}" is not a filter for this field (use eq, in, contains, gt, gte, lt, lte)` });
      } catch (e) {
        errors.push({ field: key, message: (e as Error).message });
      }
    }
    if (o.search?.includes('\u0000')) errors.push({ field: 'search', message: NUL_MESSAGE });
    if (errors.length) throw new ValidationError(errors);
    if (!deletedGiven) parts.push(raw('t.deleted = false'));
    if (o.search && m.searchFields?.length)
      parts.push(sql`(${join(m.searchFields.map((f) => sql`t.${ident(f)}::text ILIKE ${'%' + escapeLike(o.search!) + '%'}`), ' OR ')})`);
    return join(parts, ' AND ');
  }

  // What the API shows of a row: no hashes, no secrets, dates as ISO text.
  present(m: ModelDef, row: Row): Row {
    const out: Row = {};
    for (const f of shapeOf(m).shown) {
      const v = row[f];
      out[f] = v instanceof Date ? v.toISOString() : v === undefined ? null : v;
    }
    if (m.fields.admin_password) out.has_admin_password = Boolean(row.admin_password);
    return out;
  }


  // ---- writing -------------------------------------------------------------------------------

  async create(m: ModelDef, input: Row, actor: Actor, o: WriteOptions = {}): Promise<Row> {
    const inputErrors = checkInput(m, 'create', input);
    if (inputErrors.length) throw new ValidationError(inputErrors);
    // A create that writes nothing but its own row needs no transaction: its checks only read,
    // and the row, its audit entry and its change notice are one statement, which inserts only
    // while every row it references is still live. When one went in the meantime, the create
    // runs again in a transaction, whose checks say what is missing now. Two round trips fewer.
    if (!m.guard && !o.afterWrite && !includedIn(m.name).length) {
      const row = await this.insertChecked(this.db, m, input, actor, o, true);
      if (row) {
        this.told(m.name);
        return this.present(m, row);
      }
    }
    return this.write(async (tx) => {
      const row = (await this.insertChecked(tx, m, input, actor, o, false))!;
      this.noteWritten(tx, m.name);
      await this.touchWholes(tx, m, [row]);
      await o.afterWrite?.({ accounts: new Accounts(tx, () => this.told('credentials')) }, row, null);
      return this.present(m, row);
    });
  }

  // Completes, checks and inserts a new row with its audit entry and change notice; with
  // `whileLive`, only if the rows it references are still live at the insert (null if not).
  private async insertChecked(q: Queryable, m: ModelDef, input: Row, actor: Actor, o: WriteOptions, whileLive: boolean): Promise<Row | null> {
    const seen = new Map<string, Row | null>();
    const ctx = this.context(q, seen);
    let values: Row = {};
    for (const [f, v] of shapeOf(m).defaults) values[f] = v;
    Object.assign(values, input);
    if (m.fields.creator && values.creator == null && actor.id != null) values.creator = actor.id;
    values = await this.complete(q, m, values, null, ctx, o, [], seen);
    const stored = await this.encode(m, values);
    const cols = Object.keys(stored);
    const live = whileLive
      ? shapeOf(m).fields.flatMap(([f, d]) =>
          d.type === 'ref' && values[f] != null ? [sql`EXISTS (SELECT 1 FROM ${ident(modelNamed(d.ref!).table)} WHERE id = ${values[f]} AND deleted = false)`] : [],
        )
      : [];
    const notice = sql`json_build_object('model', ${m.name}::text, 'id', ins.id, 'op', 'create', 'version', ins.version)::text`;
    const [row] = await this.run(
      q,
      samePlan(sql`WITH ins AS (INSERT INTO ${ident(m.table)} (${join(cols.map(ident), ', ')}) SELECT ${join(cols.map((c) => sql`${stored[c]}`), ', ')}${live.length ? sql` WHERE ${join(live, ' AND ')}` : raw('')} RETURNING *),
            audited AS (INSERT INTO audit_log (user_id, user_email, action, model, object_id, changes)
                        SELECT ${actor.id}::int, ${actor.email}::text, 'create', ${m.name}::text, ins.id, ${JSON.stringify(redact(m, input))}::jsonb FROM ins),
            notified AS (SELECT pg_notify(${CHANGES_CHANNEL}::text, ${notice}) FROM ins)
          SELECT ins.* FROM ins CROSS JOIN (SELECT count(*) FROM notified) n`),
    );
    return row ?? null;
  }

  async update(m: ModelDef, id: number, patch: Row, actor: Actor, o: WriteOptions = {}): Promise<Row> {
    const inputErrors = checkInput(m, 'update', patch);
    if (inputErrors.length) throw new ValidationError(inputErrors);
    return this.write(async (tx) => {
      const seen = new Map<string, Row | null>();
      const ctx = this.context(tx, seen);
      const before = await this.fetch(tx, m, id, o.scope, { lock: true });
      if (!before) throw new NotFoundError(`${m.name} ${id}`);
      this.checkPrecondition(m, before, o);
      const merged = { ...before, ...patch };
      const dropped = dropBoundSecrets(m, merged, before, patch);
      const after = await this.complete(tx, m, merged, before, ctx, o, dropped, seen);
      const changed = await this.encode(
        m,
        Object.fromEntries(Object.entries(after).filter(([f]) => f in patch || dropped.includes(f) || (m.fields[f]?.readOnly && after[f] !== before[f]))),
        before,
      );
      if (!Object.keys(changed).length) return this.present(m, before);
      const sets = Object.keys(changed).map((c) => sql`${ident(c)} = ${changed[c]}`);
      // A changed desired state is worth trying at once, whatever the last failure's backoff said.
      if (m.synced) sets.push(sql`next_retry = NULL`, sql`retry_count = 0`);
      const [row] = await this.run(
        tx,
        samePlan(sql`UPDATE ${ident(m.table)} SET ${join(sets, ', ')}, updated = now(), version = version + 1 WHERE id = ${id} RETURNING *`),
      );
      const diff: Row = {};
      for (const f of Object.keys(changed)) diff[f] = [before[f], row[f]];
      const trail = redact(m, diff);
      for (const f of dropped) trail[f] = `[cleared: ${m.fields[f].boundTo!.filter((b) => b in diff).join(', ')} changed]`;
      await this.audit(tx, actor, 'update', m, id, trail);
      await this.notify(tx, { model: m.name, id, op: 'update', version: row.version as number });
      // Its link rows carry the change to each controller (a Slice's quota via its ControllerSlices).
      if (m.synced) for (const l of linksTo(m.name)) await this.markPending(tx, l.model, sql`${ident(l.field)} = ${id}`);
      await this.touchWholes(tx, m, [before, row]);
      await o.afterWrite?.({ accounts: new Accounts(tx, () => this.told('credentials')) }, row, before);
      return this.present(m, row);
    });
  }

  async delete(m: ModelDef, id: number, actor: Actor, o: WriteOptions = {}) {
    await this.write(async (tx) => {
      const ctx = this.context(tx, new Map());
      const before = await this.fetch(tx, m, id, o.scope, { lock: true });
      if (!before) throw new NotFoundError(`${m.name} ${id}`);
      this.checkPrecondition(m, before, o);
      if (o.authorize) await o.authorize(null, before, ctx);
      await this.guard(tx, m, null, before, ctx);
      await this.softDelete(tx, m, before, actor);
      await o.afterWrite?.({ accounts: new Accounts(tx, () => this.told('credentials')) }, null, before);
    });
  }

  // Checked on the locked row, so no other write slips in between.
  private checkPrecondition(m: ModelDef, before: Row, o: Precondition) {
    const stale =
      (o.ifVersion !== undefined && o.ifVersion !== before.version) || (o.ifMatch !== undefined && !o.ifMatch(this.present(m, before)));
    if (stale) throw new PreconditionFailedError(`${m.name} ${before.id} has changed (it is now version ${before.version}); fetch it again`);
  }

  // Soft-delete a row and, following the model's references, what hangs off it. Any protecting
  // reference aborts the whole transaction, so nothing is half-deleted.
  private async softDelete(tx: Queryable, m: ModelDef, row: Row, actor: Actor, path: string[] = []) {
    const title = `${m.name} ${row[m.titleField] ?? row.id}`;
    if (row.write_protect) throw new ConflictError(`${title} is write-protected${path.length ? ` (reached from ${path.join(' → ')})` : ''}`);
    for (const { model: dep, field } of referencesTo(m.name)) {
      const onDelete = dep.fields[field].onDelete ?? 'protect';
      const rows = await this.run(tx, sql`SELECT * FROM ${ident(dep.table)} WHERE ${ident(field)} = ${row.id} AND deleted = false FOR UPDATE`);
      if (!rows.length) continue;
      if (onDelete === 'protect')
        throw new ConflictError(`${title} is still used by ${rows.length} ${rows.length === 1 ? dep.label.toLowerCase() : dep.plural} (${field}); delete or change those first`, [
          { field: dep.plural, message: `${rows.length} still refer to this ${m.label.toLowerCase()}` },
        ]);
      for (const r of rows) {
        if (onDelete === 'cascade') await this.softDelete(tx, dep, r, actor, [...path, title]);
        else {
          const [u] = await this.run(tx, sql`UPDATE ${ident(dep.table)} SET ${ident(field)} = NULL, updated = now(), version = version + 1 WHERE id = ${r.id} RETURNING version`);
          await this.audit(tx, actor, 'update', dep, r.id as number, { [field]: [row.id, null], reason: `${title} deleted` });
          await this.notify(tx, { model: dep.name, id: r.id as number, op: 'update', version: u.version as number });
          await this.touchWholes(tx, dep, [r]);
        }
      }
    }
    const resetSync = m.synced ? raw(', enacted = NULL') : raw('');
    const [u] = await this.run(tx, sql`UPDATE ${ident(m.table)} SET deleted = true, updated = now(), version = version + 1${resetSync} WHERE id = ${row.id} RETURNING version`);
    await this.audit(tx, actor, 'delete', m, row.id as number, path.length ? { cascade_from: path[path.length - 1] } : null);
    await this.notify(tx, { model: m.name, id: row.id as number, op: 'delete', version: u.version as number });
    await this.touchWholes(tx, m, [row]);
  }

  // A write can change the desired state of rows it does not name: the link rows of a synced
  // object that changed, and the synced object a row is part of (ModelDef.includes: an
  // ImageDeployment's Image). They become pending in the same transaction, as their own change
  // would make them: `updated` moves and the backoff is lifted, so a terminal error is retried
  // and a reconcile already running keeps the row pending (it records the older `updated`).
  private async markPending(tx: Queryable, m: ModelDef, where: Frag) {
    const rows = await this.run<{ id: number; version: number }>(
      tx,
      sql`UPDATE ${ident(m.table)} SET updated = now(), version = version + 1, next_retry = NULL, retry_count = 0 WHERE ${where} AND deleted = false RETURNING id, version`,
    );
    for (const r of rows) await this.notify(tx, { model: m.name, id: Number(r.id), op: 'update', version: Number(r.version) });
  }

  // The synced rows that `rows` (a row of m before and after a write) are part of.
  private async touchWholes(tx: Queryable, m: ModelDef, rows: (Row | null)[]) {
    for (const { model: whole, field } of includedIn(m.name)) {
      const ids = [...new Set(rows.map((r) => r?.[field]).filter((v) => v != null).map(Number))];
      if (ids.length) await this.markPending(tx, whole, sql`id = ANY(${ids})`);
    }
  }

  // Derive fields, then check what a schema cannot, in the order that reveals least: required
  // fields and references (as far as the caller can see them), the caller's right to write, the
  // model's rules, uniqueness and its table-wide guard.
  private async complete(
    tx: Queryable,
    m: ModelDef,
    values: Row,
    before: Row | null,
    ctx: ModelContext,
    o: WriteOptions,
    cleared: string[] = [],
    seen?: Map<string, Row | null>,
  ): Promise<Row> {
    if (m.derive) Object.assign(values, await m.derive(values, ctx));
    const errors: FieldError[] = [];
    const refs: { field: string; target: ModelDef; id: number }[] = [];
    for (const [f, d] of shapeOf(m).fields) {
      const v = values[f];
      if (d.required && (v === null || v === undefined) && !(d.type === 'secret' && (before?.[f] || cleared.includes(f)))) errors.push({ field: f, message: d.defaultFrom && !before ? `is required: give one, or set ${d.defaultFrom}` : 'is required' });
      if (d.type === 'ref' && v != null && (!before || before[f] !== v)) refs.push({ field: f, target: modelNamed(d.ref!), id: Number(v) });
    }
    const { found, sites } = await this.referencedRows(tx, refs, o.visible);
    for (const row of sites) seen?.set(`Site:${row.id}`, row);
    for (const [i, r] of refs.entries()) {
      const hit = found.get(i);
      if (!hit?.visible) errors.push({ field: r.field, message: `${r.target.name} ${values[r.field]} does not exist` });
      // The rules read these rows again (a write's slice, its deployment): they have them now.
      if (hit) seen?.set(`${r.target.name}:${r.id}`, hit.row);
    }
    if (errors.length) throw new ValidationError(errors);
    if (o.authorize) await o.authorize(values, before, ctx);
    // The row's own rules come before uniqueness: a value a person must change anyway (a pool's
    // range outside its CIDR) is the first thing to fix, and a duplicate of it may not remain one.
    if (m.validate) {
      const ruleErrors = await m.validate(values, before, ctx);
      if (ruleErrors.length) throw new ValidationError(ruleErrors);
    }
    const conflicts: FieldError[] = [];
    for (const g of shapeOf(m).uniqueGroups) {
      if (before && g.every((f) => sameValue(m, f, before[f], values[f]))) continue;
      if (g.some((f) => values[f] === null || values[f] === undefined)) continue;
      const conds = g.map((f) => (m.fields[f].type === 'email' ? sql`lower(${ident(f)}) = lower(${values[f]})` : sql`${ident(f)} = ${values[f]}`));
      const [hit] = await this.run<{ id: number }>(tx, sql`SELECT id FROM ${ident(m.table)} WHERE ${join(conds, ' AND ')} AND deleted = false AND id <> ${before?.id ?? 0} LIMIT 1`);
      if (hit) {
        const seen = await this.visibleRow(tx, m, hit.id, o.visible);
        conflicts.push({ field: g[g.length - 1], message: duplicateMessage(m, g, values, seen ? hit.id : null) });
      }
    }
    if (conflicts.length) throw new ConflictError(conflicts.map((c) => c.message).join('; '), conflicts);
    await this.guard(tx, m, values, before, ctx);
    return values;
  }

  // The live rows these references name, in one query, and whether the caller may see each
  // (by index in `refs`; absent: no such live row). Along with them, the live site of each that
  // belongs to a site: the access rules read those next (whose site a slice is, the caller's).
  // Outside a transaction the answer may come from the last second's (see reference-cache.ts);
  // its rows are frozen, being shared.
  private async referencedRows(q: Queryable, refs: { target: ModelDef; id: number }[], visible?: (m: ModelDef) => Frag | undefined): Promise<Referenced> {
    const site = modelNamed('Site');
    const parts = refs.flatMap((r, i) => {
      if (!Number.isInteger(r.id)) return [];
      const own = sql`SELECT ${i}::int AS k, to_jsonb(t) AS row, (${visible?.(r.target) ?? raw('true')}) AS visible FROM ${ident(r.target.table)} t WHERE t.id = ${r.id} AND t.deleted = false`;
      const d = r.target.fields.site;
      if (d?.type !== 'ref' || d.ref !== site.name) return [own];
      return [own, sql`SELECT -1 AS k, to_jsonb(s) AS row, true AS visible FROM ${ident(site.table)} s JOIN ${ident(r.target.table)} t ON s.id = t.site WHERE t.id = ${r.id} AND s.deleted = false`];
    });
    if (!parts.length) return { found: new Map(), sites: [] };
    const query = samePlan(join(parts, ' UNION ALL '));
    const read = async (): Promise<Referenced> => {
      const found = new Map<number, { row: Row; visible: boolean }>();
      const sites: Row[] = [];
      for (const x of await this.run<{ k: number; row: Row; visible: boolean }>(q, query))
        if (Number(x.k) < 0) sites.push(Object.freeze(fromJson(site, x.row)));
        else found.set(Number(x.k), { row: Object.freeze(fromJson(refs[Number(x.k)].target, x.row)), visible: x.visible === true });
      return { found, sites };
    };
    if (q !== this.db) return read();
    const { text, values } = compile(query);
    const key = ReferenceCache.key(text, values);
    const known = this.references.get(key);
    if (known) return known;
    const begun = this.references.begin();
    const answer = await read();
    this.references.set(key, answer, begun);
    return answer;
  }

  // A live row of m with this id that the caller may see.
  private async visibleRow(q: Queryable, m: ModelDef, id: number, visible?: (m: ModelDef) => Frag | undefined): Promise<boolean> {
    if (!Number.isInteger(id)) return false;
    const scope = visible?.(m) ?? raw('true');
    return (await this.run(q, sql`SELECT 1 FROM ${ident(m.table)} t WHERE t.id = ${id} AND t.deleted = false AND ${scope}`)).length > 0;
  }

  // The model's table-wide invariant. Its writes take turns (a transaction-scoped advisory lock
  // on the table's name), so two of them cannot both pass by counting on each other's old row.
  private async guard(tx: Queryable, m: ModelDef, after: Row | null, before: Row | null, ctx: ModelContext) {
    if (!m.guard) return;
    await this.run(tx, sql`SELECT pg_advisory_xact_lock(hashtext(${'xos-guard:' + m.table}))`);
    const broken = await m.guard(after, before, ctx);
    if (broken) throw new ConflictError(broken);
  }

  // Store form of the given fields: passwords hashed, secrets encrypted, JSON serialised.
  private async encode(m: ModelDef, values: Row, before?: Row): Promise<Row> {
    const out: Row = {};
    for (const [f, v] of Object.entries(values)) {
      const d = m.fields[f];
      if (!d || f === 'id' || ['created', 'updated', 'version', 'deleted'].includes(f)) continue;
      if (before && before[f] === v && d.type !== 'json' && d.type !== 'int_array') continue;
      if (d.type === 'password') out[f] = typeof v === 'string' && v && v !== before?.[f] ? await this.opts.hashPassword(v) : v;
      else if (d.type === 'secret') out[f] = typeof v === 'string' && v && v !== before?.[f] ? this.opts.secrets.encrypt(v) : v;
      else if (d.type === 'json') {
        if (before && JSON.stringify(before[f]) === JSON.stringify(v)) continue;
        out[f] = JSON.stringify(v);
      } else if (d.type === 'int_array') {
        if (before && JSON.stringify(before[f]) === JSON.stringify(v)) continue;
        out[f] = v;
      } else out[f] = v;
    }
    return out;
  }

  // An audit entry for something done without a row write (credentials handed out, say).
  async recordAudit(actor: Actor, action: string, m: ModelDef, id: number | null, changes: unknown) {
    await this.audit(this.db, actor, action, m, id, changes);
  }

  private async audit(tx: Queryable, actor: Actor, action: string, m: ModelDef, id: number | null, changes: unknown) {
    await this.run(
      tx,
      samePlan(sql`INSERT INTO audit_log (user_id, user_email, action, model, object_id, changes) VALUES (${actor.id}, ${actor.email}, ${action}, ${m.name}, ${id}, ${changes === null ? null : JSON.stringify(changes)})`),
    );
  }

  private async notify(tx: Queryable, n: ChangeNotice) {
    this.noteWritten(tx, n.model);
    await this.run(tx, samePlan(sql`SELECT pg_notify(${CHANGES_CHANNEL}, ${JSON.stringify(n)})`));
  }

  private noteWritten(tx: Queryable, model: string) {
    this.writtenIn.get(tx)?.add(model);
    this.told(model);
  }

  async auditLog(o: { model?: string; objectId?: number; limit?: number; offset?: number }) {
    const parts: Frag[] = [raw('true')];
    if (o.model) parts.push(sql`model = ${o.model}`);
    if (o.objectId !== undefined) parts.push(sql`object_id = ${o.objectId}`);
    const where = join(parts, ' AND ');
    const limit = Math.min(Math.max(o.limit ?? 50, 1), 1000);
    const items = await this.run(this.db, sql`SELECT * FROM audit_log WHERE ${where} ORDER BY id DESC LIMIT ${limit} OFFSET ${o.offset ?? 0}`);
    const [{ n }] = await this.run<{ n: number }>(this.db, sql`SELECT count(*)::int AS n FROM audit_log WHERE ${where}`);
    return { items: items.map((r): Row => ({ ...r, id: Number(r.id), at: r.at instanceof Date ? r.at.toISOString() : r.at })), total: n };
  }
}

// What the store reads of a model's field table on every row and every write, worked out once
// per model: a list page presents 50 rows of ~40 fields, and a create walks the table five times.
interface Shape {
  fields: [string, FieldDef][];
  shown: string[]; // what the API shows: no hashes, no secrets
  datetimes: string[];
  defaults: [string, unknown][]; // what a create starts from
  uniqueGroups: string[][];
}
const shapes = new WeakMap<ModelDef, Shape>();
function shapeOf(m: ModelDef): Shape {
  let shape = shapes.get(m);
  if (!shape) {
    const fields = Object.entries(m.fields);
    shape = {
      fields,
      shown: fields.filter(([, d]) => !d.hidden && d.type !== 'password' && d.type !== 'secret').map(([f]) => f),
      datetimes: fields.filter(([, d]) => d.type === 'datetime').map(([f]) => f),
      defaults: fields.filter(([, d]) => d.default !== undefined && !d.readOnly).map(([f, d]) => [f, d.default]),
      uniqueGroups: [...fields.filter(([, d]) => d.unique).map(([f]) => [f]), ...(m.uniqueTogether ?? []).map((g) => [...g])],
    };
    shapes.set(m, shape);
  }
  return shape;
}

// Secrets bound to fields that this patch changes, and that it does not give again: they are
// cleared in `values`, and their names returned.
function dropBoundSecrets(m: ModelDef, values: Row, before: Row, patch: Row): string[] {
  const dropped: string[] = [];
  for (const [f, d] of Object.entries(m.fields)) {
    if (!d.boundTo || f in patch || before[f] == null) continue;
    if (d.boundTo.some((b) => b in patch && !sameValue(m, b, before[b], patch[b]))) {
      values[f] = null;
      dropped.push(f);
    }
  }
  return dropped;
}

// A duplicate in words: "a slice named mysite_web already exists (slice 1)". The other row is
// named by its id only when the caller may read it (`id` null otherwise).
function duplicateMessage(m: ModelDef, group: string[], values: Row, id: number | null): string {
  const kind = m.label.toLowerCase();
  const article = /^[aeio]/.test(kind) ? 'an' : 'a'; // a user, an image
  const value = (f: string) => (typeof values[f] === 'string' ? JSON.stringify(values[f]) : String(values[f]));
  const what =
    group.length === 1 && group[0] === m.titleField && m.fields[group[0]].type === 'string'
      ? `named ${values[group[0]]}`
      : `with ${group.map((f) => `${f} ${value(f)}`).join(group.length === 2 ? ' and ' : ', ')}`;
  return `${article} ${kind} ${what} already exists ${id === null ? '(one you cannot see)' : `(${kind} ${id})`}`;
}

// Whether two values of a field are the same for the store (JSON by content, emails by case).
function sameValue(m: ModelDef, f: string, a: unknown, b: unknown): boolean {
  const t = m.fields[f]?.type;
  if (t === 'json' || t === 'int_array') return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  if (t === 'email' && typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  return a === b;
}

// A row read as JSON (to_jsonb), in the types the driver gives for a row read as columns. The
// row is the driver's freshly parsed object, changed in place.
function fromJson(m: ModelDef, row: Row): Row {
  for (const f of shapeOf(m).datetimes) if (typeof row[f] === 'string') row[f] = new Date(row[f] as string);
  return row;
}


function redact(m: ModelDef, values: Row): Row {
  const out: Row = {};
  for (const [f, v] of Object.entries(values)) {
    const t = m.fields[f]?.type;
    out[f] = t === 'password' || t === 'secret' ? '[redacted]' : v;
  }
  return out;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c);

// Whether the filters hold a reference equal to one value (`?image=3`). With the page in id
// order, its ids are then read from the reference's (field, id) index alone and the rows fetched
// by id after: asked for the rows directly, the planner may judge the value common and walk the
// primary key instead, through every newer row of other values. After 17,000 new instances of
// one image, a page of another image's read 17,000 rows (13 ms) where the index gives 51 (0.4 ms).
function filtersOneRef(m: ModelDef, filters: ListOptions['filters']): boolean {
  return Object.entries(filters ?? {}).some(([key, v]) => {
    const d = m.fields[key];
    const value = filterValue(v);
    return d?.type === 'ref' && d.index === true && value !== undefined && value !== 'null';
  });
}

// A query parameter given more than once counts with its last value.
const filterValue = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[v.length - 1] : v);

function orderBy(m: ModelDef, sort?: string): Frag {
  const keys = (sort ?? 'id').split(',').filter(Boolean);
  const parts: Frag[] = [];
  for (const k of keys) {
    const desc = k.startsWith('-');
    const f = desc ? k.slice(1) : k;
    const d = m.fields[f];
    if (!d || d.hidden || d.type === 'password' || d.type === 'secret' || d.type === 'json')
      throw new ValidationError([{ field: 'sort', message: `cannot sort by "${f}"` }]);
    parts.push(sql`t.${ident(f)} ${raw(desc ? 'DESC' : 'ASC')}`);
  }
  if (!keys.some((k) => k.replace('-', '') === 'id')) parts.push(raw('t.id ASC'));
  return join(parts, ', ');
}

// Database errors that a client's input can still cause (races past the checks above).
function translateDbError(e: unknown): unknown {
  const code = (e as { code?: string }).code;
  const detail = (e as { detail?: string }).detail ?? (e as Error).message;
  if (code === '23505') return new ConflictError(`already exists: ${detail}`);
  if (code === '23503') return new ConflictError(`refers to a row that does not exist or is still referenced: ${detail}`);
  if (code === '23502' || code === '22P02' || code === '22001' || code === '22003' || code === '23514')
    return new ValidationError([{ field: (e as { column?: string }).column ?? '(body)', message: (e as Error).message }]);
  return e;
}
