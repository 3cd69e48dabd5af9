// The rows a create references, as one caller sees them, remembered for a second: a burst of
// creates in the same slices (a script making twenty instances) reads them once, not on every
// call. An entry is keyed by the query that read it, whose text names every table it read (the
// referenced rows and whatever the caller's row filters look at); a write in this process to one
// of those tables drops it at once, and writes by other processes reach it within the time to
// live, as they reach the cache of who is calling (src/auth/principal-cache.ts). A create whose
// reference went away meanwhile inserts nothing (its insert checks that each is live) and runs
// again without the cache.
export const REFERENCE_TTL_MS = 1000;

export class ReferenceCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  private writes = 0; // local writes so far
  private readonly lastWrite = new Map<string, number>(); // table → the number of its last write
  private readonly byTable = new Map<string, Set<string>>(); // table → keys of entries that read it

  // tables: the names of every table a write can be told of.
  constructor(
    private readonly tables: ReadonlySet<string>,
    private readonly ttlMs = REFERENCE_TTL_MS,
    private readonly maxEntries = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  // The statement's text, then its values.
  static key(text: string, values: unknown[]): string {
    return `${text}\0${JSON.stringify(values)}`;
  }

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.until > this.now()) return e.value;
    this.entries.delete(key);
    return undefined;
  }

  // Call before reading; pass the result to set(), which drops a value that a write made while
  // it was being read may have outdated.
  begin(): number {
    return this.writes;
  }

  set(key: string, value: V, begun: number) {
    const tables = this.tablesIn(key.slice(0, key.indexOf('\0')));
    if (tables.some((t) => (this.lastWrite.get(t) ?? 0) > begun)) return;
    if (this.entries.size >= this.maxEntries) {
      this.entries.clear();
      this.byTable.clear();
    }
    this.entries.set(key, { value, until: this.now() + this.ttlMs });
    for (const t of tables) {
      if (!this.byTable.has(t)) this.byTable.set(t, new Set());
      this.byTable.get(t)!.add(key);
    }
  }

  // A write in this process to this table.
  changed(table: string) {
    this.lastWrite.set(table, ++this.writes);
    for (const key of this.byTable.get(table) ?? []) this.entries.delete(key);
    this.byTable.delete(table);
  }

  // The tables a statement reads: the known table names among its words, quoted or not.
  private tablesIn(text: string): string[] {
    return [...new Set(text.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [])].filter((w) => this.tables.has(w));
  }
}
