// Which change notices one event stream may pass on: those about rows its caller may read. A
// notice is judged when it arrives, after its transaction, against the row as it is then.
import { model as modelNamed } from '../model/registry.js';
import type { ModelDef } from '../model/types.js';
import { canReadModel, readScope } from '../auth/rules.js';
import type { Principal } from '../auth/principal.js';
import type { ChangeNotice, Store } from '../store/repository.js';

// Rows remembered per stream (see `told`); past this the oldest are forgotten, which only costs
// the caller the notice of a purge.
const MAX_TOLD = 10_000;

export class EventFilter {
  // Rows this stream has told its caller about, and that were readable the last time a notice
  // about them was judged. A row purged from the table (the synchronizer's final delete, a
  // released address) can no longer be judged, so its delete is sent only to streams whose caller
  // was told about the row: they learn nothing new from it, and nobody else hears of the row.
  private readonly told = new Set<string>();

  constructor(
    private readonly store: Store,
    private principal: Principal,
  ) {}

  // The caller's privileges, reloaded while the stream lasts. When they change, rows the stream
  // was told about may have become unreadable, so they are forgotten: at worst a purge of a row
  // still readable goes unannounced.
  setPrincipal(p: Principal) {
    if (privileges(p) !== privileges(this.principal)) this.told.clear();
    this.principal = p;
  }

  async allows(n: ChangeNotice): Promise<boolean> {
    const key = `${n.model}\0${n.id}`;
    const ok = await this.judge(n, key);
    this.told.delete(key); // re-added last, so the oldest entries are forgotten first
    if (ok) {
      this.told.add(key);
      if (this.told.size > MAX_TOLD) this.told.delete(this.told.values().next().value!);
    }
    return ok;
  }

  private async judge(n: ChangeNotice, key: string): Promise<boolean> {
    let m: ModelDef;
    try {
      m = modelNamed(n.model);
    } catch {
      return false;
    }
    const p = this.principal;
    if (!canReadModel(m, p)) return false;
    // A deleted row is judged with the deleted rows on its read path: a cascade deletes the path
    // with the row (a slice with its instances), and it was readable through them.
    const scope = readScope(m, p, { withDeleted: n.op === 'delete' });
    if (!scope) return true;
    const ok = await this.store.passes(m, n.id, scope);
    if (ok !== null) return ok;
    return n.op === 'delete' && this.told.has(key);
  }
}

const roles = (m: Map<number, Set<string>>) => [...m].map(([k, v]) => `${k}:${[...v].sort().join(',')}`).sort();
const privileges = (p: Principal) =>
  JSON.stringify([p.id, p.isAdmin, roles(p.siteRoles), roles(p.sliceRoles), [...p.deploymentAdmin].sort((a, b) => a - b)]);
