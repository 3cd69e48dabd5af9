// What the dashboard counts, under a caller's view of the rows (the same row filters as the
// lists, so a count never reveals rows the caller cannot open):
//   counts         rows per model (and how many of them are in error, for synced models)
//   errors         the most recent objects in error, with their message
//   controllers    per controller: its own status and its objects by sync state
//   minidashboard  instances per site and per slice
import { models, model as modelNamed } from '../model/registry.js';
import type { ModelDef, Row } from '../model/types.js';
import type { Queryable } from './db.js';
import { compile, ident, join, raw, sql, type Frag } from './sql.js';

// Which rows of a model the caller may see: none of a model they may not read, else those in
// the scope (undefined: all).
export interface View {
  readable(m: ModelDef): boolean;
  scope(m: ModelDef): Frag | undefined;
}

const ERROR_ITEMS = 25;
const TOP_SLICES = 20;

type Tally = { pending: number; ok: number; error: number };
const tally = (): Tally => ({ pending: 0, ok: 0, error: 0 });
const bucket = (code: unknown): keyof Tally => (Number(code) === 1 ? 'ok' : Number(code) === 2 ? 'error' : 'pending');
const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : (v ?? null));
const scopeOf = (v: View, m: ModelDef): Frag => v.scope(m) ?? raw('true');

// Link rows (ControllerSite, …): synced models with a required reference to Controller.
const linkModels = () => models.filter((m) => m.synced && m.fields.controller?.ref === 'Controller' && m.name !== 'Controller');

// The site an instance runs at: its node's, or its slice's when it is not pinned to a node.
const instanceSite = raw('COALESCE(nd.site, s.site)');
const instanceJoins = raw('JOIN slices s ON s.id = t.slice LEFT JOIN nodes nd ON nd.id = t.node');

export class Stats {
  constructor(private readonly db: Queryable) {}

  private async q<T = Row>(f: Frag): Promise<T[]> {
    const c = compile(f);
    return this.db.query<T>(c.text, c.values);
  }


  async counts(v: View) {
    const readable = models.filter((m) => v.readable(m));
    const parts = readable.map(
      (m) =>
        sql`SELECT ${m.name}::text AS model, count(*)::int AS n, ${
          m.synced ? raw('count(*) FILTER (WHERE t.backend_code = 2)::int') : raw('0')
        } AS errors FROM ${ident(m.table)} t WHERE t.deleted = false AND ${scopeOf(v, m)}`,
    );
    const rows = parts.length ? await this.q<{ model: string; n: number; errors: number }>(join(parts, ' UNION ALL ')) : [];
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

  async errors(v: View) {
    const synced = models.filter((m) => m.synced && v.readable(m));
    if (!synced.length) return [];
    const parts = synced.map((m) => {
      const title = m.titleField === 'id' ? raw('NULL::text') : sql`t.${ident(m.titleField)}::text`;
      return sql`(SELECT ${m.name}::text AS model, t.id, ${title} AS title, t.backend_status, t.backend_reason, t.last_sync, t.next_retry
                    FROM ${ident(m.table)} t WHERE t.deleted = false AND t.backend_code = 2 AND ${scopeOf(v, m)}
                   ORDER BY t.last_sync DESC NULLS LAST, t.id DESC LIMIT ${ERROR_ITEMS})`;
    });
    const rows = await this.q(sql`SELECT * FROM (${join(parts, ' UNION ALL ')}) e ORDER BY e.last_sync DESC NULLS LAST, e.id DESC LIMIT ${ERROR_ITEMS}`);
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

  // Objects in error for grouping by cause (ops/error-groups.ts): at most `perModel` of each
  // model, each with the controller it depends on: a Controller itself, a link row's controller,
  // an instance's through the site deployment it runs in. `partial` when a model had more.
  async errorCauses(v: View, perModel = 200) {
    const synced = models.filter((m) => m.synced && v.readable(m));
    if (!synced.length) return { rows: [], partial: false };
    const parts = synced.map((m) => {
      const title = m.titleField === 'id' ? raw('NULL::text') : sql`t.${ident(m.titleField)}::text`;
      const controller =
        m.name === 'Controller'
          ? raw('t.id')
          : m.fields.controller?.ref === 'Controller'
            ? raw('t.controller')
            : m.name === 'Instance'
              ? raw(`(SELECT sd.controller FROM slices s LEFT JOIN nodes nd ON nd.id = t.node
                        JOIN site_deployments sd ON sd.deleted = false AND sd.controller IS NOT NULL
                         AND CASE WHEN nd.id IS NOT NULL THEN sd.id = nd.site_deployment ELSE sd.site = s.site AND sd.deployment = t.deployment END
                       WHERE s.id = t.slice LIMIT 1)`)
              : raw('NULL::int');
      return sql`(SELECT ${m.name}::text AS model, t.id, ${title} AS title, t.backend_status, t.backend_reason, ${controller} AS controller, t.last_sync
                    FROM ${ident(m.table)} t WHERE t.deleted = false AND t.backend_code = 2 AND ${scopeOf(v, m)}
                   ORDER BY t.last_sync DESC NULLS LAST, t.id DESC LIMIT ${perModel + 1})`;
    });
    const rows = await this.q(join(parts, ' UNION ALL '));
    const seen = new Map<string, number>();
    let partial = false;
    const out = [];
    for (const r of rows) {
      const n = (seen.get(String(r.model)) ?? 0) + 1;
      seen.set(String(r.model), n);
      if (n > perModel) {
        partial = true;
        continue;
      }
      out.push({
        model: String(r.model),
        id: Number(r.id),
        title: (r.title as string | null) ?? null,
        backend_status: (r.backend_status as string | null) ?? null,
        backend_reason: (r.backend_reason as string | null) ?? null,
        controller: r.controller == null ? null : Number(r.controller),
        last_sync: iso(r.last_sync) as string | null,
      });
    }
    return { rows: out, partial };
  }

  async controllers(v: View) {
    const C = modelNamed('Controller');
    if (!v.readable(C)) return [];
    const rows = await this.q(
      sql`SELECT t.id, t.name, t.deployment, d.name AS deployment_name, t.backend_code, t.backend_status, t.last_sync, t.next_retry
            FROM controllers t LEFT JOIN deployments d ON d.id = t.deployment
           WHERE t.deleted = false AND ${scopeOf(v, C)} ORDER BY t.name LIMIT 1000`,
    );
    if (!rows.length) return [];
    const ids = rows.map((r) => Number(r.id));
    const links = new Map<number, Tally>(ids.map((id) => [id, tally()]));
    const readableLinks = linkModels().filter((m) => v.readable(m));
    if (readableLinks.length) {
      const parts = readableLinks.map(
        (m) => sql`SELECT t.controller, t.backend_code, count(*)::int AS n FROM ${ident(m.table)} t
                    WHERE t.deleted = false AND t.controller = ANY(${ids}::int[]) AND ${scopeOf(v, m)} GROUP BY 1, 2`,
      );
      for (const r of await this.q(join(parts, ' UNION ALL '))) {
        const t = links.get(Number(r.controller));
        if (t) t[bucket(r.backend_code)] += Number(r.n);
      }
    }
    // Instances reach a controller through the site deployment of their node, or of their
    // slice's site in their deployment.
    const I = modelNamed('Instance');
    const instances = new Map<number, Tally>(ids.map((id) => [id, tally()]));
    for (const r of await this.q(
      sql`SELECT sd.controller, t.backend_code, count(*)::int AS n
            FROM instances t ${instanceJoins}
            JOIN site_deployments sd ON sd.deleted = false AND sd.controller = ANY(${ids}::int[])
             AND CASE WHEN nd.id IS NOT NULL THEN sd.id = nd.site_deployment
                      ELSE sd.site = s.site AND sd.deployment = t.deployment END
           WHERE t.deleted = false AND ${scopeOf(v, I)} GROUP BY 1, 2`,
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

  async minidashboard(v: View) {
    const I = modelNamed('Instance');
    const scope = scopeOf(v, I);
    const perSite = await this.q(
      sql`SELECT x.site, st.name, x.total, x.ok, x.pending, x.error FROM (
            SELECT ${instanceSite} AS site, count(*)::int AS total,
                   count(*) FILTER (WHERE t.backend_code = 1)::int AS ok,
                   count(*) FILTER (WHERE t.backend_code = 0)::int AS pending,
                   count(*) FILTER (WHERE t.backend_code = 2)::int AS error
              FROM instances t ${instanceJoins} WHERE t.deleted = false AND ${scope} GROUP BY 1) x
          JOIN sites st ON st.id = x.site ORDER BY x.total DESC, st.name LIMIT 1000`,
    );
    const perSlice = await this.q(
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
    };
  }
}
