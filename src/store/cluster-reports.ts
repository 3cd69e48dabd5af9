// The operator tools' record of each cluster: what each collector last read (kept while it
// fails), and how its last attempt went. Also what the doctor and the metrics read of XOS itself:
// the synchronizer's backlog per model and the objects in error with their messages.
import { models } from '../model/registry.js';
import type { Queryable } from './db.js';
import { compile, ident, join, raw, sql, type Frag } from './sql.js';

export interface CollectorOutcome {
  ok: boolean;
  data?: unknown; // with ok
  error?: { kind: string; message: string; detail?: unknown }; // without ok
  durationMs: number;
  requests: number;
  at?: Date;
}

export interface ReportRow {
  controller: number;
  collector: string;
  data: unknown;
  ok: boolean;
  attempted: string;
  last_success: string | null;
  last_error: string | null;
  last_error_kind: string | null;
  last_error_at: string | null;
  error_detail: unknown;
  duration_ms: number;
  requests: number;
}

export interface ClusterRow {
  id: number;
  name: string;
  deployment: number;
  deployment_name: string | null;
  backend_type: string;
  auth_url: string;
  backend_code: number;
  backend_status: string | null;
}

export interface BacklogRow {
  model: string;
  pending: number;
  oldest_pending: string | null;
  errors: number;
}

export interface ErrorRow {
  model: string;
  id: number;
  title: string | null;
  backend_status: string | null;
  backend_reason: string | null;
  controller: number | null;
  last_sync: string | null;
}

export interface InstanceRow {
  id: number;
  name: string | null;
  host: string | null; // the Node it is pinned to
  controller: number | null;
  backend_code: number;
  backend_status: string | null;
  instance_uuid: string | null;
  public_ip: boolean; // it has an address on a network of a public, untranslated template
}

export interface TemplateUse {
  id: number;
  name: string;
  shared_network_name: string;
  networks: number; // live Networks made from it
}

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v == null ? null : String(v));

export class ClusterReports {
  constructor(private readonly db: Queryable) {}

  private async q<T>(f: Frag): Promise<T[]> {
    const c = compile(f);
    return this.db.query<T>(c.text, c.values);
  }

  async record(controller: number, collector: string, o: CollectorOutcome): Promise<void> {
    const at = (o.at ?? new Date()).toISOString();
    if (o.ok)
      await this.q(sql`INSERT INTO cluster_reports (controller, collector, data, ok, attempted, last_success, duration_ms, requests)
        VALUES (${controller}, ${collector}, ${JSON.stringify(o.data ?? null)}::jsonb, true, ${at}, ${at}, ${o.durationMs}, ${o.requests})
        ON CONFLICT (controller, collector) DO UPDATE SET data = excluded.data, ok = true, attempted = excluded.attempted,
          last_success = excluded.last_success, duration_ms = excluded.duration_ms, requests = excluded.requests`);
    else
      await this.q(sql`INSERT INTO cluster_reports (controller, collector, ok, attempted, last_error, last_error_kind, last_error_at, error_detail, duration_ms, requests)
        VALUES (${controller}, ${collector}, false, ${at}, ${o.error?.message ?? 'failed'}, ${o.error?.kind ?? 'other'}, ${at},
                ${JSON.stringify(o.error?.detail ?? null)}::jsonb, ${o.durationMs}, ${o.requests})
        ON CONFLICT (controller, collector) DO UPDATE SET ok = false, attempted = excluded.attempted, last_error = excluded.last_error,
          last_error_kind = excluded.last_error_kind, last_error_at = excluded.last_error_at, error_detail = excluded.error_detail,
          duration_ms = excluded.duration_ms, requests = excluded.requests`);
  }

  // Live controllers, all (deployments undefined) or those of the given deployments.
  async clusters(o: { deployments?: number[]; ids?: number[]; names?: string[] } = {}): Promise<ClusterRow[]> {
    const where: Frag[] = [raw('c.deleted = false')];
    if (o.deployments) where.push(sql`c.deployment = ANY(${o.deployments}::int[])`);
    if (o.ids) where.push(sql`c.id = ANY(${o.ids}::int[])`);
    if (o.names) where.push(sql`c.name = ANY(${o.names}::text[])`);
    const rows = await this.q<ClusterRow>(
      sql`SELECT c.id, c.name, c.deployment, d.name AS deployment_name, c.backend_type, c.auth_url, c.backend_code, c.backend_status
            FROM controllers c LEFT JOIN deployments d ON d.id = c.deployment WHERE ${join(where, ' AND ')} ORDER BY c.name LIMIT 5000`,
    );
    return rows.map((r) => ({ ...r, id: Number(r.id), deployment: Number(r.deployment), backend_code: Number(r.backend_code) }));
  }

  // What the collectors last read of these controllers (of the given collectors only, or all).
  async reports(controllers: number[], collectors?: string[]): Promise<ReportRow[]> {
    if (!controllers.length) return [];
    const only = collectors ? sql` AND collector = ANY(${collectors}::text[])` : raw('');
    const rows = await this.q<ReportRow>(sql`SELECT * FROM cluster_reports WHERE controller = ANY(${controllers}::int[])${only} ORDER BY controller, collector`);
    return rows.map((r) => ({
      ...r,
      controller: Number(r.controller),
      attempted: iso(r.attempted)!,
      last_success: iso(r.last_success),
      last_error_at: iso(r.last_error_at),
    }));
  }

  // Per synced model: rows waiting for the synchronizer, the oldest of them, and rows in error.
  async backlog(): Promise<BacklogRow[]> {
    const parts = models
      .filter((m) => m.synced)
      .map(
        (m) => sql`SELECT ${m.name}::text AS model,
              count(*) FILTER (WHERE (t.deleted OR t.enacted IS NULL OR t.enacted < t.updated) AND NOT t.no_sync AND t.backend_code <> 2)::int AS pending,
              min(t.updated) FILTER (WHERE (t.deleted OR t.enacted IS NULL OR t.enacted < t.updated) AND NOT t.no_sync AND t.backend_code <> 2) AS oldest_pending,
              count(*) FILTER (WHERE t.backend_code = 2 AND NOT t.deleted)::int AS errors
            FROM ${ident(m.table)} t`,
      );
    const rows = await this.q<BacklogRow>(join(parts, ' UNION ALL '));
    return rows.map((r) => ({ model: r.model, pending: Number(r.pending), oldest_pending: iso(r.oldest_pending), errors: Number(r.errors) }));
  }

  // Objects in error (at most `limit` per model), with the controller they concern when the
  // model has one (link rows, and Controllers themselves).
  async errors(limit = 200): Promise<ErrorRow[]> {
    const parts = models
      .filter((m) => m.synced)
      .map((m) => {
        const title = m.titleField === 'id' ? raw('NULL::text') : sql`t.${ident(m.titleField)}::text`;
        const controller = m.name === 'Controller' ? raw('t.id') : m.fields.controller?.ref === 'Controller' ? raw('t.controller') : raw('NULL::int');
        return sql`(SELECT ${m.name}::text AS model, t.id, ${title} AS title, t.backend_status, t.backend_reason, ${controller} AS controller, t.last_sync
                      FROM ${ident(m.table)} t WHERE t.deleted = false AND t.backend_code = 2 ORDER BY t.id LIMIT ${limit})`;
      });
    const rows = await this.q<ErrorRow>(join(parts, ' UNION ALL '));
    return rows.map((r) => ({ ...r, id: Number(r.id), controller: r.controller == null ? null : Number(r.controller), last_sync: iso(r.last_sync) }));
  }

  // Instances (at most `limit`) with the controller they run on: their node's site deployment, or
  // their slice's site in their deployment.
  async instances(o: { inError?: boolean; limit?: number } = {}): Promise<InstanceRow[]> {
    const rows = await this.q<InstanceRow>(
      sql`SELECT t.id, t.name, nd.name AS host, sd.controller, t.backend_code, t.backend_status, t.instance_uuid,
                 EXISTS (SELECT 1 FROM ports p JOIN networks n ON n.id = p.network JOIN network_templates nt ON nt.id = n.template
                          WHERE p.instance = t.id AND p.deleted = false AND nt.visibility = 'public' AND nt.translation = 'none')
                 OR EXISTS (SELECT 1 FROM address_allocations a WHERE a.instance = t.id AND a.network IS NULL AND a.deleted = false) AS public_ip
            FROM instances t JOIN slices s ON s.id = t.slice LEFT JOIN nodes nd ON nd.id = t.node
            LEFT JOIN site_deployments sd ON sd.deleted = false
             AND CASE WHEN nd.id IS NOT NULL THEN sd.id = nd.site_deployment ELSE sd.site = s.site AND sd.deployment = t.deployment END
           WHERE t.deleted = false ${o.inError ? raw('AND t.backend_code = 2') : raw('')}
           ORDER BY t.id LIMIT ${o.limit ?? 10000}`,
    );
    return rows.map((r) => ({ ...r, id: Number(r.id), controller: r.controller == null ? null : Number(r.controller), backend_code: Number(r.backend_code), public_ip: Boolean(r.public_ip) }));
  }

  // Templates that attach to a network the cluster must already have, and how many Networks use each.
  async sharedTemplates(): Promise<TemplateUse[]> {
    const rows = await this.q<TemplateUse>(
      sql`SELECT nt.id, nt.name, nt.shared_network_name, (SELECT count(*)::int FROM networks n WHERE n.template = nt.id AND n.deleted = false) AS networks
            FROM network_templates nt WHERE nt.deleted = false AND coalesce(nt.shared_network_name, '') <> '' ORDER BY nt.id`,
    );
    return rows.map((r) => ({ ...r, id: Number(r.id), networks: Number(r.networks) }));
  }
}
