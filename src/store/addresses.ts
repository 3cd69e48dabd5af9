// Handing out public addresses from an address pool. Each allocation runs in one transaction
// that first locks the pool's row, so concurrent requests (several workers, several processes)
// take turns and no address is ever given twice; the unique (pool, address) index is the net
// under it. An address stays taken until its holder releases it (after the cloud resource that
// used it is gone), even when the instance row is already marked deleted.
import { model } from '../model/registry.js';
import type { Row } from '../model/types.js';
import { firstFree, parseRanges, sizeOf, toInt, toIp } from '../net/address-ranges.js';
import { SYSTEM } from './actor.js';
import type { StoreCore } from './sync-state.js';

export interface Holder {
  instance: number;
  network?: number | null; // the network whose port forwarding the address serves
}

export type Allocation = { ok: true; address: string; allocation: Row } | { ok: false; message: string };

export class Addresses {
  constructor(private readonly core: StoreCore) {}

  // An address of the pool for a holder: the one it already has, else the lowest free one.
  allocate(poolId: number, holder: Holder): Promise<Allocation> {
    const { core } = this;
    return core.db.transaction(async (tx) => {
      const [pool] = await tx.query(`SELECT * FROM address_pools WHERE id = $1 AND NOT deleted FOR UPDATE`, [poolId]);
      if (!pool) return { ok: false, message: `address pool ${poolId} is gone` };
      const network = holder.network ?? null;
      const [mine] = await tx.query(
        `SELECT *, host(address) AS ip FROM address_allocations WHERE pool = $1 AND instance = $2 AND network IS NOT DISTINCT FROM $3`,
        [poolId, holder.instance, network],
      );
      if (mine) return { ok: true, address: String(mine.ip), allocation: mine };
      const { ranges } = parseRanges(String(pool.ranges), { cidr: String(pool.cidr), gateway: pool.gateway as string | null });
      const rows = await tx.query<{ ip: string }>(`SELECT host(address) AS ip FROM address_allocations WHERE pool = $1`, [poolId]);
      const taken = new Set(rows.map((r) => toInt(r.ip)));
      const free = firstFree(ranges, taken);
      if (free === null) {
        const size = sizeOf(ranges);
        const inUse = ranges.reduce((n, r) => n + [...taken].filter((a) => a >= r.start && a <= r.end).length, 0);
        return { ok: false, message: `pool ${pool.name} exhausted: ${inUse} of ${size} addresses in use` };
      }
      const [row] = await tx.query(
        `INSERT INTO address_allocations (pool, address, instance, network) VALUES ($1, $2, $3, $4) RETURNING *, host(address) AS ip`,
        [poolId, toIp(free), holder.instance, network],
      );
      await core.audit(tx, SYSTEM, 'create', model('AddressAllocation'), Number(row.id), { pool: poolId, address: toIp(free), ...holder });
      await core.notify(tx, { model: 'AddressAllocation', id: Number(row.id), op: 'create', version: Number(row.version) });
      return { ok: true, address: toIp(free), allocation: row };
    });
  }

  // Gives back what an instance holds (all of it, or the address of one network's forwarding).
  async release(instance: number, network?: number | null): Promise<string[]> {
    const { core } = this;
    const rows = await core.db.query<{ id: number; version: number; ip: string }>(
      `DELETE FROM address_allocations WHERE instance = $1 ${network === undefined ? '' : 'AND network IS NOT DISTINCT FROM $2'} RETURNING id, version, host(address) AS ip`,
      network === undefined ? [instance] : [instance, network],
    );
    for (const r of rows) {
      await core.audit(core.db, SYSTEM, 'delete', model('AddressAllocation'), r.id, { address: r.ip, released: true });
      await core.notify(core.db, { model: 'AddressAllocation', id: r.id, op: 'delete', version: r.version });
    }
    return rows.map((r) => r.ip);
  }

  // The pool that serves a controller: its own, else its deployment's.
  async poolFor(controller: Row): Promise<Row | null> {
    const [pool] = await this.core.db.query(
      `SELECT * FROM address_pools WHERE NOT deleted AND (controller = $1 OR (controller IS NULL AND deployment = $2)) ORDER BY controller NULLS LAST LIMIT 1`,
      [controller.id, controller.deployment],
    );
    return pool ?? null;
  }
}
