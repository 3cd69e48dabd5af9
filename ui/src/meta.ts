// The model definitions served by GET /api/models, and what the UI derives from them. Nothing
// here names a particular model except the navigation order: a new model or field shows up by
// itself.
import type { Row } from './api';
import type { FieldDef, NavGroup } from '../../src/model/types';

// A field as GET /api/models serves it: the server's own definition without its index hint
// (type-only: the UI bundles nothing of the server).
export type FieldInfo = Omit<FieldDef, 'index'>;

export interface ModelInfo {
  name: string;
  plural: string;
  label: string;
  title_field: string;
  nav: NavGroup | null;
  synced: boolean;
  list_fields: string[];
  search_fields: string[];
  fields: Record<string, FieldInfo>;
}

// Record keeping every row has, and the synchronizer's bookkeeping: shown in their own places.
export const RECORD_FIELDS = ['id', 'created', 'updated', 'version', 'deleted'];
export const SYNC_FIELDS = [
  'backend_status',
  'backend_code',
  'backend_reason',
  'backend_request_id',
  'enacted',
  'last_sync',
  'next_retry',
  'retry_count',
];
const SPECIAL = new Set([...RECORD_FIELDS, ...SYNC_FIELDS]);

const ACRONYMS: Record<string, string> = { url: 'URL', id: 'ID', ip: 'IP', ssh: 'SSH', ram: 'RAM', mb: 'MB', gb: 'GB', acl: 'ACL', cidr: 'CIDR', mac: 'MAC' };

export function humanize(name: string): string {
  const words = name.split('_').map((w) => ACRONYMS[w] ?? w);
  const s = words.join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export const fieldLabel = (name: string, f?: FieldInfo) => f?.label ?? humanize(name);

export function pluralLabel(m: ModelInfo): string {
  const l = m.label;
  if (/[^aeiou]y$/.test(l)) return l.slice(0, -1) + 'ies';
  if (/(s|x|ch|sh)$/.test(l)) return l + 'es';
  return l + 's';
}

export const lower = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

// Fields a person edits, in definition order.
export function formFields(m: ModelInfo, mode: 'create' | 'edit', isAdmin: boolean): [string, FieldInfo][] {
  void mode; // createOnly fields are shown in both modes, disabled when editing
  return Object.entries(m.fields).filter(([name, f]) => !f.readOnly && !SPECIAL.has(name) && (isAdmin || !f.adminOnly));
}

// Fields shown on the Details tab: everything but record keeping and sync state, the
// administrators' switches last.
export const detailFields = (m: ModelInfo): [string, FieldInfo][] => {
  const shown = Object.entries(m.fields).filter(([name, f]) => !SPECIAL.has(name) && f.type !== 'password');
  return [...shown.filter(([, f]) => !f.adminOnly), ...shown.filter(([, f]) => f.adminOnly)];
};

export function rowTitle(m: ModelInfo, row: Row): string {
  const v = m.title_field !== 'id' ? row[m.title_field] : null;
  return v != null && v !== '' ? String(v) : `${m.label} #${row.id}`;
}

export interface Relation {
  model: ModelInfo;
  field: string;
}

// Models with a reference to `m`: the related lists of its page. Link rows (one object's state
// on one controller) are the Admin-Only tab.
export function relations(all: ModelInfo[], m: ModelInfo): { related: Relation[]; links: Relation[] } {
  const related: Relation[] = [];
  const links: Relation[] = [];
  for (const o of all)
    for (const [f, d] of Object.entries(o.fields)) {
      if (d.type !== 'ref' || d.ref !== m.name) continue;
      if (isLinkModel(o) && f !== 'controller') links.push({ model: o, field: f });
      else related.push({ model: o, field: f });
    }
  return { related, links };
}

export const isLinkModel = (m: ModelInfo) => m.nav === 'Controllers' && m.fields.controller?.ref === 'Controller';

// Navigation: the groups of the issue, their main models first, then the rest of each group in
// definition order.
export const NAV_GROUPS: { name: string; label: string; first: string[] }[] = [
  { name: 'Infrastructure', label: 'Infrastructure', first: ['deployments', 'controllers', 'sites', 'nodes'] },
  { name: 'Tenancy', label: 'Tenancy', first: ['users', 'slices', 'siteprivileges', 'sliceprivileges', 'deploymentprivileges'] },
  { name: 'Compute', label: 'Compute', first: ['instances', 'images', 'flavors'] },
  { name: 'Networking', label: 'Networking', first: ['networks', 'networktemplates', 'ports'] },
  { name: 'Controllers', label: 'Controller links', first: [] },
];

export function navGroups(all: ModelInfo[]): { name: string; label: string; models: ModelInfo[] }[] {
  const out = NAV_GROUPS.map((g) => {
    const inGroup = all.filter((m) => m.nav === g.name);
    const first = g.first.map((p) => inGroup.find((m) => m.plural === p)).filter((m): m is ModelInfo => !!m);
    return { name: g.name, label: g.label, models: [...first, ...inGroup.filter((m) => !first.includes(m))] };
  });
  const other = all.filter((m) => !NAV_GROUPS.some((g) => g.name === m.nav));
  if (other.length) out.push({ name: 'Other', label: 'Other', models: other });
  return out.filter((g) => g.models.length);
}

// "2 - No valid host" → "No valid host".
export const statusMessage = (s: unknown) => (typeof s === 'string' ? s.replace(/^\s*\d+\s*-\s*/, '') : '');
