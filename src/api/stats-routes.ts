// GET /api/stats: what the dashboard shows, under the caller's privileges. Every query applies the
// same row filters as the lists (readScope), so a count never reveals rows the caller cannot open.
//   counts         rows per model (and how many of them are in error, for synced models)
//   errors         the most recent objects in error, with their message
//   controllers    per controller: its own status and its objects by sync state
//   minidashboard  instances per site and per slice, and cluster capacity when a provider gives it
//                  (null when [gui] disable_minidashboard is set)
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { models, model as modelNamed } from '../model/registry.js';
import type { ModelDef, Row } from '../model/types.js';
import { canReadModel, readScope } from '../auth/rules.js';
import type { Principal } from '../auth/principal.js';
import type { XosConfig } from '../config/schema.js';
import type { Store } from '../store/repository.js';
import { compile, ident, join, raw, sql, type Frag } from '../store/sql.js';

// Cluster capacity comes from the operator tools (hypervisor statistics); until one is plugged in
// the dashboard says so.
export interface CapacityRow {
  controller: number;
  name: string;
  vcpus: number;
  vcpus_used: number;
  ram_mb: number;
  ram_mb_used: number;
  disk_gb: number;
  disk_gb_used: number;
}
export type CapacityProvider = (p: Principal) => Promise<CapacityRow[] | null>;

export interface StatsOptions {
  store: Store;
  config: XosConfig;
  capacity?: CapacityProvider;
}

const ERROR_ITEMS = 25;
const TOP_SLICES = 20;

type Tally = { pending: number; ok: number; error: number };
const tally = (): Tally => ({ pending: 0, ok: 0, error: 0 });
const bucket = (code: unknown): keyof Tally => (Number(code) === 1 ? 'ok' : Number(code) === 2 ? 'error' : 'pending');
const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : (v ?? null));
const scopeOf = (m: ModelDef, p: Principal): Frag => readScope(m, p) ?? raw('true');

// Link rows (ControllerSite, …): synced models with a required reference to Controller.
const linkModels = () => models.filter((m) => m.synced && m.fields.controller?.ref === 'Controller' && m.name !== 'Controller');

export async function statsRoutes(app: FastifyInstance, opts: StatsOptions) {
  const { store } = opts;
  const q = async <T = Row>(f: Frag): Promise<T[]> => {
    const c = compile(f);
    return store.db.query<T>(c.text, c.values);
  };

  async function counts(p: Principal) {
    const readable = models.filter((m) => canReadModel(m, p));
    const parts = readable.map(
      (m) =>
        sql`SELECT ${m.name}::text AS model, count(*)::int AS n, ${
          m.synced ? raw('count(*) FILTER (WHERE t.backend_code = 2)::int') : raw('0')
        } AS errors FROM ${ident(m.table)} t WHERE t.deleted = false AND ${scopeOf(m, p)}`,
    );
    const rows = parts.length ? await q<{ model: string; n: number; errors: number }>(join(parts, ' UNION ALL ')) : [];
    const byName = new Map(rows.map((r) => [r.model, r]));
    return readable.map((m) => ({
      model: m.name,
      plural: m.plural,
      label: m.label,
      nav: m.nav ?? null,
      count: byName.get(m.name)?.n ?? 0,
      errors: m.synced ? (byName.get(m.name)?.errors ?? 0) : null,
    }));
  }

  async function errors(p: Principal) {
    const synced = models.filter((m) => m.synced && canReadModel(m, p));
    if (!synced.length) return [];
    const parts = synced.map((m) => {
      const title = m.titleField === 'id' ? raw('NULL::text') : sql`t.${ident(m.titleField)}::text`;
      return sql`(SELECT ${m.name}::text AS model, t.id, ${title} AS title, t.backend_status, t.backend_reason, t.last_sync, t.next_retry
                    FROM ${ident(m.table)} t WHERE t.deleted = false AND t.backend_code = 2 AND ${scopeOf(m, p)}
                   ORDER BY t.last_sync DESC NULLS LAST, t.id DESC LIMIT ${ERROR_ITEMS})`;
    });
    const rows = await q(sql`SELECT * FROM (${join(parts, ' UNION ALL ')}) e ORDER BY e.last_sync DESC NULLS LAST, e.id DESC LIMIT ${ERROR_ITEMS}`);
    return rows.map((r) => {
      const m = modelNamed(String(r.model));
      return {
        model: m.name,
        plural: m.plural,
        label: m.label,
        id: Number(r.id),
        title: (r.title as string | null) ?? `${m.label} ${r.id}`,
        backend_status: r.backend_status,
        backend_reason: r.backend_reason ?? null,
        last_sync: iso(r.last_sync),
        next_retry: iso(r.next_retry),
      };
    });
  }

  // The site an instance runs at: its node's, or its slice's when it is not pinned to a node.
  const instanceSite = raw('COALESCE(nd.site, s.site)');
  const instanceJoins = raw('JOIN slices s ON s.id = t.slice LEFT JOIN nodes nd ON nd.id = t.node');

  async function controllers(p: Principal) {
    const C = modelNamed('Controller');
    if (!canReadModel(C, p)) return [];
    const rows = await q(
      sql`SELECT t.id, t.name, t.deployment, d.name AS deployment_name, t.backend_code, t.backend_status, t.last_sync, t.next_retry
            FROM controllers t LEFT JOIN deployments d ON d.id = t.deployment
           WHERE t.deleted = false AND ${scopeOf(C, p)} ORDER BY t.name LIMIT 1000`,
    );
    if (!rows.length) return [];
    const ids = rows.map((r) => Number(r.id));
    const links = new Map<number, Tally>(ids.map((id) => [id, tally()]));
    const readableLinks = linkModels().filter((m) => canReadModel(m, p));
    if (readableLinks.length) {
      const parts = readableLinks.map(
        (m) => sql`SELECT t.controller, t.backend_code, count(*)::int AS n FROM ${ident(m.table)} t
                    WHERE t.deleted = false AND t.controller = ANY(${ids}::int[]) AND ${scopeOf(m, p)} GROUP BY 1, 2`,
      );
      for (const r of await q(join(parts, ' UNION ALL '))) {
        const t = links.get(Number(r.controller));
        if (t) t[bucket(r.backend_code)] += Number(r.n);
      }
    }
    // Instances reach a controller through the site deployment of their node, or of their
    // slice's site in their deployment.
    const I = modelNamed('Instance');
    const instances = new Map<number, Tally>(ids.map((id) => [id, tally()]));
    for (const r of await q(
      sql`SELECT sd.controller, t.backend_code, count(*)::int AS n
            FROM instances t ${instanceJoins}
            JOIN site_deployments sd ON sd.deleted = false AND sd.controller = ANY(${ids}::int[])
             AND CASE WHEN nd.id IS NOT NULL THEN sd.id = nd.site_deployment
                      ELSE sd.site = s.site AND sd.deployment = t.deployment END
           WHERE t.deleted = false AND ${scopeOf(I, p)} GROUP BY 1, 2`,
    )) {
      const t = instances.get(Number(r.controller));
      if (t) t[bucket(r.backend_code)] += Number(r.n);
    }
    return rows.map((r) => ({
      id: Number(r.id),
      name: r.name,
      deployment: r.deployment,
      deployment_name: r.deployment_name ?? null,
      backend_code: Number(r.backend_code),
      backend_status: r.backend_status,
      last_sync: iso(r.last_sync),
      next_retry: iso(r.next_retry),
      links: readableLinks.length ? links.get(Number(r.id)) : null,
      instances: instances.get(Number(r.id)),
    }));
  }

  async function minidashboard(p: Principal) {
    const I = modelNamed('Instance');
    const scope = scopeOf(I, p);
    const perSite = await q(
      sql`SELECT x.site, st.name, x.total, x.ok, x.pending, x.error FROM (
            SELECT ${instanceSite} AS site, count(*)::int AS total,
                   count(*) FILTER (WHERE t.backend_code = 1)::int AS ok,
                   count(*) FILTER (WHERE t.backend_code = 0)::int AS pending,
                   count(*) FILTER (WHERE t.backend_code = 2)::int AS error
              FROM instances t ${instanceJoins} WHERE t.deleted = false AND ${scope} GROUP BY 1) x
          JOIN sites st ON st.id = x.site ORDER BY x.total DESC, st.name LIMIT 1000`,
    );
    const perSlice = await q(
      sql`SELECT x.slice, sl.name, sl.site, x.total, x.ok, x.pending, x.error FROM (
            SELECT t.slice, count(*)::int AS total,
                   count(*) FILTER (WHERE t.backend_code = 1)::int AS ok,
                   count(*) FILTER (WHERE t.backend_code = 0)::int AS pending,
                   count(*) FILTER (WHERE t.backend_code = 2)::int AS error
              FROM instances t WHERE t.deleted = false AND ${scope} GROUP BY 1) x
          JOIN slices sl ON sl.id = x.slice ORDER BY x.total DESC, sl.name LIMIT ${TOP_SLICES}`,
    );
    const counts = (r: Row) => ({ total: Number(r.total), ok: Number(r.ok), pending: Number(r.pending), error: Number(r.error) });
    return {
      instances_per_site: perSite.map((r) => ({ site: Number(r.site), name: r.name, ...counts(r) })),
      instances_per_slice: perSlice.map((r) => ({ slice: Number(r.slice), name: r.name, site: Number(r.site), ...counts(r) })),
      capacity: opts.capacity ? await opts.capacity(p) : null,
    };
  }

  app.get('/api/stats', {
    schema: {
      tags: ['Meta'],
      summary: 'Dashboard statistics under your privileges: counts per model, objects in error, sync state per controller, instances per site and slice',
    },
    handler: async (req: FastifyRequest) => {
      const p = req.principal!;
      const [c, e, ctl, mini] = await Promise.all([
        counts(p),
        errors(p),
        controllers(p),
        opts.config.gui.disable_minidashboard ? Promise.resolve(null) : minidashboard(p),
      ]);
      return { counts: c, errors: e, controllers: ctl, minidashboard: mini, time: new Date().toISOString() };
    },
  });
}
