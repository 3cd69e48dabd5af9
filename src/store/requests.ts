// Requests people make of a synced row without changing its desired fields: reboot an instance.
// Each is counted on the row, which becomes pending (`updated` moves, the backoff is lifted), so
// the synchronizer carries out what it has not done yet and records it; `version` stays, as a
// request is not an edit that a concurrent PATCH should conflict with.
import { model } from '../model/registry.js';
import { ConflictError, NotFoundError } from '../model/errors.js';
import type { Row } from '../model/types.js';
import { compile, sql, type Frag } from './sql.js';
import type { Actor, Authorize } from './repository.js';
import type { StoreCore } from './sync-state.js';

export class Requests {
  constructor(private readonly core: StoreCore) {}

  async reboot(id: number, type: 'soft' | 'hard', actor: Actor, o: { scope?: Frag; authorize?: Authorize } = {}): Promise<Row> {
    const m = model('Instance');
    return this.core.db.transaction(async (tx) => {
      const q = (f: Frag) => {
        const c = compile(f);
        return tx.query<Row>(c.text, c.values);
      };
      const [before] = await q(sql`SELECT t.* FROM instances t WHERE t.id = ${id} AND t.deleted = false AND ${o.scope ?? sql`true`} FOR UPDATE`);
      if (!before) throw new NotFoundError(`Instance ${id}`);
      await o.authorize?.(before, before, this.core.context(tx));
      if (before.power === 'off') throw new ConflictError(`instance ${before.name ?? before.instance_name ?? id} is powered off (power=off): set power=on to start it`);
      const [after] = await q(sql`
        UPDATE instances SET reboot_requests = reboot_requests + 1, reboot_type = ${type}, updated = now(), next_retry = NULL, retry_count = 0
         WHERE id = ${id} RETURNING *`);
      await this.core.audit(tx, actor, 'reboot', m, id, { reboot_type: type, reboot_requests: [before.reboot_requests, after.reboot_requests] });
      await this.core.notify(tx, { model: m.name, id, op: 'update', version: Number(after.version) });
      return after;
    });
  }
}
