// What the operator routes answer, for their schemas and the OpenAPI document. The nested
// readings of a cluster (services, agents, hypervisors, ...) are the collectors' data as read
// from each cluster's APIs, described field by field in README's "Operating XOS"; they are open
// objects here so that a new reading does not break clients.
import { always } from './contract.js';

type Schema = Record<string, unknown>;
const open = (description: string): Schema => ({ type: 'object', additionalProperties: true, description });
const openList = (description: string): Schema => ({ type: 'array', items: open(description) });
const nullableInt = { type: ['integer', 'null'] };
const nullableString = { type: ['string', 'null'] };

const collectorStatus = always({
  ok: { type: ['boolean', 'null'], description: 'null: never run' },
  attempted: nullableString,
  last_success: nullableString,
  last_error: nullableString,
  last_error_kind: nullableString,
  duration_ms: nullableInt,
  requests: nullableInt,
});

export const clusterSchema = always({
  id: { type: 'integer' },
  name: { type: 'string' },
  deployment: { type: 'integer' },
  deployment_name: nullableString,
  auth_url: { type: 'string' },
  health: { type: 'string', description: 'ok, warning, critical or unknown' },
  problems: { type: 'array', items: always({ severity: { type: 'string', enum: ['warning', 'critical'] }, text: { type: 'string' } }) },
  collectors: { type: 'object', additionalProperties: collectorStatus, description: 'Each collector: its last run' },
  services: openList('A Nova service: binary, host, zone, status, state, disabled_reason, updated_at, heartbeat_age_s'),
  agents: openList('A Neutron agent: agent_type, host, alive, admin_state_up, heartbeat_at, heartbeat_age_s'),
  hypervisors: openList('A hypervisor as Nova lists it'),
  providers: openList("A Placement resource provider with its inventories and usages"),
  capacity: { type: 'object', additionalProperties: open('VCPU, MEMORY_MB or DISK_GB: total, reserved, used, allocation_ratio'), description: 'Summed over the providers' },
  servers: { anyOf: [always({ total: { type: 'integer' }, by_status: { type: 'object', additionalProperties: { type: 'integer' } } }), { type: 'null' }] },
  server_errors: openList('A server in ERROR with its fault'),
  servers_building: openList('A server still building'),
  networks: {
    anyOf: [always({ shared: { type: 'array', items: { type: 'string' } }, external: { type: 'array', items: { type: 'string' } } }), { type: 'null' }],
    description: 'The names of the shared and external networks found; null before the first reading',
  },
  latency: {
    type: 'array',
    items: always({ service: { type: 'string' }, ms: { type: ['number', 'null'] }, ok: { type: 'boolean' }, error: nullableString }),
    description: "Each service API's answer time",
  },
});

export const clustersSchema = always({
  items: { type: 'array', items: clusterSchema },
  nagios_url: nullableString,
  interval_s: { type: 'integer', description: 'Seconds between two readings of the collectors ([ops] interval)' },
  time: { type: 'string' },
});

export const runSchema = always({
  command: { type: 'string' },
  results: {
    type: 'array',
    items: always({
      cluster: { type: 'string' },
      state: { type: 'string', enum: ['ok', 'failed', 'timeout', 'unreachable'] },
      duration_ms: { type: 'integer' },
      columns: { type: 'array', items: { type: 'string' } },
      rows: { type: 'array', items: { type: 'array', items: { type: ['string', 'number', 'boolean', 'null'] } } },
      error: nullableString,
    }),
  },
});

export const backlogSchema = always({
  items: {
    type: 'array',
    items: always({ model: { type: 'string' }, pending: { type: 'integer' }, oldest_pending: nullableString, errors: { type: 'integer' } }),
  },
  time: { type: 'string' },
});

const finding = always({
  code: { type: 'string' },
  severity: { type: 'string', enum: ['ok', 'warning', 'critical'] },
  cluster: { type: ['string', 'null'], description: 'null: XOS itself' },
  object: { type: 'string' },
  symptom: { type: 'string' },
  cause: { type: 'string' },
  remedy: { type: 'string' },
  evidence: open('What was seen: heartbeat ages, errors, instances concerned'),
  instances: { type: 'array', items: { type: 'integer' }, description: 'The ids of the XOS instances it concerns' },
});

export const doctorSchema = always({
  findings: { type: 'array', items: finding },
  summary: { type: 'object', additionalProperties: { type: 'integer' }, description: 'Findings per severity' },
  exit_code: { type: 'integer', enum: [0, 1, 2] },
  clusters: { type: 'array', items: { type: 'string' }, description: 'The clusters checked' },
  checked_at: { type: 'string' },
  duration_ms: { type: 'integer' },
});
