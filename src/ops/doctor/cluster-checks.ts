// The doctor's checks of one cluster, on what its collectors last read: the cluster reachable
// (Keystone, credentials, catalog endpoints, TLS), compute services and the message bus, Neutron's
// agents, the shared networks XOS's templates attach to, and servers in ERROR or stuck building.
import type { InstanceRow, TemplateUse } from '../../store/cluster-reports.js';
import type { ClusterView } from '../cluster-view.js';
import type { ProbeFailure } from '../cluster-probe.js';
import type { Finding } from './finding.js';

export interface ClusterFacts {
  view: ClusterView;
  failures: ProbeFailure[]; // of the collectors that failed on their last attempt
  instances: InstanceRow[]; // XOS instances on this cluster
  templates: TemplateUse[];
  intervalS: number;
}

const BUILD_STUCK_S = 600;

// RFC 1918 and other addresses that are not routed publicly: what a cluster's catalog advertises
// when it was set up for its own network only.
export function isPrivateHost(host: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (!m) return /^(localhost|.*\.(local|internal|lan))$/i.test(host);
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a === 10 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) || (a === 169 && b === 254);
}

const hostOf = (url: string | null) => {
  try {
    return url ? new URL(url).hostname : null;
  } catch {
    return null;
  }
};

export function reachabilityFindings(f: ClusterFacts): Finding[] {
  const { view } = f;
  const out: Finding[] = [];
  const byKind = new Map<string, ProbeFailure[]>();
  for (const x of f.failures) byKind.set(x.kind, [...(byKind.get(x.kind) ?? []), x]);
  const base = { cluster: view.name, object: `controller ${view.name}` };
  const first = (k: string) => byKind.get(k)![0];
  const authHost = hostOf(view.auth_url);
  for (const kind of byKind.keys()) {
    const x = first(kind);
    const evidence = { error: x.message, url: x.url, service: x.service, collectors_failing: byKind.get(kind)!.length };
    switch (kind) {
      case 'keystone_unreachable':
        out.push({ ...base, code: 'KEYSTONE_UNREACHABLE', severity: 'critical', symptom: `Keystone at ${view.auth_url} does not answer; nothing of this cluster can be read or synchronized`, cause: 'The cluster\'s identity service is down, or the network between XOS and it is (address, firewall, routing).', remedy: `Check that ${view.auth_url} answers from the XOS host (curl ${view.auth_url}), that Keystone runs on the cluster, and that the controller's auth_url is right.`, evidence });
        break;
      case 'auth_refused':
        out.push({ ...base, code: 'CREDENTIALS_REFUSED', severity: 'critical', symptom: "Keystone refuses the controller's admin credentials", cause: 'The admin password (or user, project, domain) stored for this controller is not what the cluster has, e.g. after a password change on the cluster.', remedy: `Set the right admin_password on controller ${view.name} (xos update controllers ${view.id} --set admin_password=…), and check admin_user, admin_tenant and domain.`, evidence });
        break;
      case 'tls':
        out.push({ ...base, code: 'TLS_UNTRUSTED', severity: 'critical', symptom: `TLS to ${x.url ?? view.auth_url} fails: the certificate is not trusted`, cause: "The cluster's certificates are signed by a CA XOS does not trust (a private CA, or a self-signed certificate).", remedy: `Put the CA certificate that signs the cluster's endpoints (PEM) in controller ${view.name}'s ca_bundle, or in the file named by [nova] ca_ssl_cert for every cluster.`, evidence });
        break;
      case 'endpoint_unreachable': {
        const host = hostOf(x.url);
        const rewrite = host && host !== authHost && isPrivateHost(host);
        out.push({
          ...base,
          code: 'ENDPOINT_UNREACHABLE',
          severity: 'critical',
          symptom: `Keystone answers, but the catalog endpoint ${x.url} (${x.service}) does not`,
          cause: rewrite
            ? `The cluster's catalog advertises a private address (${host}) that XOS cannot reach: the cluster sits behind NAT (the DNAT case).`
            : 'The service behind this catalog endpoint is down, or a firewall lets Keystone through but not it.',
          remedy: rewrite
            ? `Give controller ${view.name} an endpoint rewrite from the private address to the one XOS reaches, e.g. endpoint_rewrite = [{"from": "${host}", "to": "${authHost}"}], or fix the catalog's public endpoints.`
            : `Check the ${x.service} service on the cluster and that its port is open from the XOS host (curl ${x.url}).`,
          evidence: { ...evidence, host, auth_host: authHost },
        });
        break;
      }
      case 'endpoint_missing':
        out.push({ ...base, code: 'ENDPOINT_MISSING', severity: 'warning', symptom: x.message, cause: 'The service is not registered in the cluster\'s catalog (for the controller\'s region).', remedy: `Register the service in Keystone's catalog, or set controller ${view.name}'s region to the one the cluster uses.`, evidence });
        break;
      case 'timeout':
        out.push({ ...base, code: 'CLUSTER_SLOW', severity: 'warning', symptom: `${x.service ?? 'the cluster'} does not answer within the [ops] timeout`, cause: 'The service is overloaded or hangs (a stuck database or message bus makes API calls hang).', remedy: 'Look at the service\'s log on the cluster; raise [ops] timeout only if the cluster is known to be slow.', evidence });
        break;
      default:
        out.push({ ...base, code: 'COLLECTOR_FAILING', severity: kind === 'configuration' ? 'critical' : 'warning', symptom: `reading the cluster fails: ${x.message}`, cause: kind === 'configuration' ? "The controller's settings cannot be used as they are." : 'The cluster answered with an error.', remedy: kind === 'configuration' ? `Fix controller ${view.name} as the message says.` : "Look up the request id in the service's log on the cluster.", evidence });
    }
  }
  return out;
}

export function computeFindings(f: ClusterFacts): Finding[] {
  const { view } = f;
  const computes = view.services.filter((s) => s.binary === 'nova-compute' && s.status === 'enabled');
  const down = computes.filter((s) => s.state === 'down');
  if (!down.length) return [];
  const agents = view.agents.filter((a) => a.admin_state_up);
  // Every heartbeat that goes through the message bus is stale: nova-compute reports through the
  // conductor over RPC, the agents to neutron-server over RPC. One cause, one finding.
  if (down.length === computes.length && computes.length && agents.length && agents.every((a) => !a.alive))
    return [
      {
        code: 'MESSAGE_BUS_DOWN',
        severity: 'critical',
        cluster: view.name,
        object: 'message bus (RabbitMQ)',
        symptom: `every compute service (${down.length}) and every network agent (${agents.length}) has stopped reporting: oldest heartbeat ${Math.max(...down.map((s) => s.heartbeat_age_s ?? 0))} s ago`,
        cause: "The cluster's message bus (RabbitMQ) is down or unreachable: services are running but their heartbeats and RPC calls cannot get through, so new instances fail and writes hang.",
        remedy: 'Check RabbitMQ on the cluster (rabbitmqctl status, cluster_status) and the transport_url of nova and neutron; once it is back, restart the services that do not reconnect (nova-compute, nova-scheduler, the agents).',
        evidence: {
          compute_services_down: down.map((s) => ({ host: s.host, heartbeat_age_s: s.heartbeat_age_s })),
          agents_dead: agents.map((a) => ({ type: a.agent_type, host: a.host, heartbeat_age_s: a.heartbeat_age_s })),
          xos_instances_failing: f.instances.filter((i) => i.backend_code === 2).map((i) => i.id),
        },
        instances: f.instances.filter((i) => i.backend_code === 2).map((i) => i.id),
      },
    ];
  return down.map((s) => {
    const failing = f.instances.filter(
      (i) => i.backend_code === 2 && (i.host === s.host || /No valid host|timed out while waiting for node/i.test(i.backend_status ?? '')),
    );
    return {
      code: 'NOVA_COMPUTE_DOWN',
      severity: 'critical',
      cluster: view.name,
      object: `nova-compute@${s.host}`,
      symptom: `nova-compute on ${s.host} is down: its last heartbeat was ${s.heartbeat_age_s ?? '?'} s ago${failing.length ? `; ${failing.length} XOS instance(s) failing` : ''}`,
      cause: `The nova-compute process on ${s.host} stopped, or lost its connection to the message bus: Nova schedules nothing there, and new instances pinned there fail ("No valid host was found", "timed out while waiting for node").`,
      remedy: `On ${s.host}: check the service (systemctl status nova-compute, its log) and its message-bus connection (transport_url, a connection to RabbitMQ on 5672); restart it. XOS retries the failing instances by itself once it is up.`,
      evidence: { host: s.host, heartbeat_age_s: s.heartbeat_age_s, updated_at: s.updated_at, zone: s.zone, xos_instances_failing: failing.map((i) => ({ id: i.id, name: i.name, status: i.backend_status })) },
      instances: failing.map((i) => i.id),
    };
  });
}

const AGENT_ROLE: { re: RegExp; name: string; role: string }[] = [
  { re: /metadata/i, name: 'metadata', role: 'Instances get no SSH keys or user data from the metadata service (requests to 169.254.169.254 fail, the "metadata 500").' },
  { re: /dhcp/i, name: 'DHCP', role: 'New instances get no address by DHCP and are unreachable; existing leases run out.' },
  { re: /l3/i, name: 'L3', role: 'Routers, NAT and floating addresses stop working on this host: instances lose outside access.' },
];

// Neutron backends that serve DHCP and metadata themselves, without the three agents.
const OVN = /ovn|OVN/;

// A cluster whose Neutron has agents but none for DHCP, routing or metadata: said once, as what
// instances there lack. A warning when XOS has instances there (they expect keys and user data),
// else information (a cluster that gives addresses by config drive may mean it).
export function missingAgentFindings(f: ClusterFacts): Finding[] {
  const { view } = f;
  if (!view.agents.length || view.collectors.agents.ok === false || view.agents.some((a) => OVN.test(a.agent_type) || OVN.test(a.binary))) return [];
  const missing = AGENT_ROLE.filter(({ re }) => !view.agents.some((a) => re.test(a.agent_type)));
  if (!missing.length) return [];
  const names = missing.map((m) => m.name);
  return [
    {
      code: 'NEUTRON_AGENTS_ABSENT',
      severity: f.instances.length ? 'warning' : 'ok',
      cluster: view.name,
      object: 'neutron agents',
      symptom: `no ${names.join(', ')} agent is registered on ${view.name} (its agents: ${[...new Set(view.agents.map((a) => a.agent_type))].join(', ')})`,
      cause: missing.map((m) => m.role).join(' '),
      remedy:
        'If instances need them, install and start neutron-dhcp-agent, neutron-l3-agent and neutron-metadata-agent on the network node (and set nova\'s [neutron] service_metadata_proxy); ' +
        'otherwise give instances their addresses and keys by config drive.',
      evidence: { missing: names, agent_types: [...new Set(view.agents.map((a) => a.agent_type))], xos_instances: f.instances.length },
    },
  ];
}

export function agentFindings(f: ClusterFacts): Finding[] {
  const { view } = f;
  const agents = view.agents.filter((a) => a.admin_state_up);
  // All dead together is the message bus (computeFindings says so once).
  if (agents.length && agents.every((a) => !a.alive) && view.services.some((s) => s.binary === 'nova-compute' && s.state === 'down')) return [];
  return agents
    .filter((a) => !a.alive)
    .map((a) => ({
      code: 'NEUTRON_AGENT_DEAD',
      severity: 'critical' as const,
      cluster: view.name,
      object: `${a.binary}@${a.host}`,
      symptom: `the ${a.agent_type} on ${a.host} is dead: last heartbeat ${a.heartbeat_age_s ?? '?'} s ago`,
      cause: AGENT_ROLE.find(({ re }) => re.test(a.agent_type))?.role ?? 'Ports on this host are no longer wired: new instances there get no network.',
      remedy: `On ${a.host}: check and restart ${a.binary} (systemctl restart ${a.binary}; its log says why it stopped), and its message-bus connection.`,
      evidence: { type: a.agent_type, host: a.host, heartbeat_at: a.heartbeat_at, heartbeat_age_s: a.heartbeat_age_s },
    }));
}

export function networkFindings(f: ClusterFacts): Finding[] {
  const { view } = f;
  if (!view.networks || view.collectors.networks.ok === false) return [];
  const present = new Set([...view.networks.shared, ...view.networks.external]);
  return f.templates
    .filter((t) => !present.has(t.shared_network_name))
    .map((t) => ({
      code: 'SHARED_NETWORK_MISSING',
      // Unused, it is for information: an external network is often made by XOS from an address pool.
      severity: t.networks ? ('critical' as const) : ('ok' as const),
      cluster: view.name,
      object: `network ${t.shared_network_name}`,
      symptom: `the network "${t.shared_network_name}" that template "${t.name}" attaches to does not exist (or is not shared) on ${view.name}${t.networks ? `; ${t.networks} network(s) use the template` : ''}`,
      cause: 'XOS attaches to this network but does not create it: instances on networks of this template wait for it on this cluster.',
      remedy: `Create the network on the cluster as an administrator, shared (e.g. openstack network create --share ${t.shared_network_name}, with a subnet), or for an external network give XOS an address pool whose network_name is ${t.shared_network_name}.`,
      evidence: { template: t.name, networks_using_it: t.networks, shared_networks_seen: view.networks!.shared, external_networks_seen: view.networks!.external },
    }));
}

export function serverFindings(f: ClusterFacts, now = Date.now()): Finding[] {
  const { view } = f;
  const out: Finding[] = [];
  for (const s of view.server_errors.slice(0, 20)) {
    const xos = /^instance\/(\d+)$/.exec(s.xos_id ?? '')?.[1];
    const noHost = /No valid host|timed out while waiting for node/i.test(s.fault ?? '');
    out.push({
      code: 'INSTANCE_ERROR',
      severity: 'warning',
      cluster: view.name,
      object: xos ? `Instance ${xos}` : `server ${s.name}`,
      symptom: `server ${s.name} (${s.id}) is in ERROR${s.fault ? `: ${s.fault}` : ''}`,
      cause: noHost ? 'The scheduler found no compute host able to take it: compute services down or disabled, or no capacity left.' : 'Nova failed to build it; the fault says where.',
      remedy: noHost
        ? 'Check the compute services and capacity of this cluster (xos cluster run services); then delete the instance in XOS and create it again.'
        : "Look up the server's fault in nova-conductor's and nova-compute's logs; delete it and create it again once fixed.",
      evidence: { server: s.id, host: s.host, fault: s.fault, xos_id: s.xos_id, since: s.since },
      instances: xos ? [Number(xos)] : [],
    });
  }
  if (view.server_errors.length > 20)
    out.push({ code: 'INSTANCE_ERROR', severity: 'warning', cluster: view.name, object: 'servers', symptom: `${view.server_errors.length - 20} more servers in ERROR`, cause: 'See the ones above.', remedy: 'openstack server list --all-projects --status ERROR', evidence: {} });
  const stuck = view.servers_building.filter((s) => s.since && now - Date.parse(s.since) > BUILD_STUCK_S * 1000);
  if (stuck.length)
    out.push({
      code: 'INSTANCE_STUCK_BUILDING',
      severity: 'warning',
      cluster: view.name,
      object: 'servers',
      symptom: `${stuck.length} server(s) have been building for more than ${BUILD_STUCK_S / 60} minutes`,
      cause: 'Build requests that never reached a compute host, or a compute host that stopped answering (often the message bus).',
      remedy: 'Check nova-conductor, nova-scheduler and RabbitMQ on the cluster; servers stuck in BUILD can be deleted and made again.',
      evidence: { servers: stuck.slice(0, 20).map((s) => ({ id: s.id, name: s.name, since: s.since, xos_id: s.xos_id })) },
    });
  return out;
}

// Instances without a public address are reached through NAT only: an operator trying to reach
// one needs port forwarding or a public address. Told once per cluster, as information.
export function natOnlyFindings(f: ClusterFacts): Finding[] {
  const natOnly = f.instances.filter((i) => !i.public_ip && i.backend_code !== 2);
  if (!natOnly.length) return [];
  return [
    {
      code: 'INSTANCE_NAT_ONLY',
      severity: 'ok',
      cluster: f.view.name,
      object: 'instances',
      symptom: `${natOnly.length} instance(s) have no public address: they reach out through NAT, but cannot be reached from outside`,
      cause: "Their slice's networks are private or NAT-translated (the \"Public shared IPv4\" template is NAT).",
      remedy: 'To reach one: add port forwarding to its NAT network (ports "tcp 22, tcp 80"), or attach it to a network of the "Public dedicated IPv4" template for a public address; or use its VNC console.',
      evidence: { instances: natOnly.slice(0, 20).map((i) => ({ id: i.id, name: i.name })) },
      instances: natOnly.slice(0, 20).map((i) => i.id),
    },
  ];
}

export function staleFindings(f: ClusterFacts, now = Date.now()): Finding[] {
  const attempts = Object.values(f.view.collectors).map((c) => (c.attempted ? Date.parse(c.attempted) : 0));
  const last = Math.max(...attempts);
  if (last && now - last < f.intervalS * 3 * 1000) return [];
  return [
    {
      code: 'COLLECTORS_STALE',
      severity: 'warning',
      cluster: f.view.name,
      object: 'operator collectors',
      symptom: last ? `the cluster was last read ${Math.round((now - last) / 1000)} s ago` : 'the cluster has never been read by the collectors',
      cause: 'No XOS process runs the operator collectors ([ops] enabled), or they are stuck.',
      remedy: 'Run `xos serve` with [ops] enabled = True (or the ops role); `xos doctor` reads the clusters itself meanwhile.',
      evidence: { last_attempt: last ? new Date(last).toISOString() : null, interval_s: f.intervalS },
    },
  ];
}

export function clusterFindings(f: ClusterFacts, now = Date.now()): Finding[] {
  const found = [...reachabilityFindings(f), ...computeFindings(f), ...agentFindings(f), ...missingAgentFindings(f), ...networkFindings(f), ...serverFindings(f, now), ...natOnlyFindings(f), ...staleFindings(f, now)];
  if (!found.some((x) => x.severity !== 'ok'))
    found.push({
      code: 'CLUSTER_OK',
      severity: 'ok',
      cluster: f.view.name,
      object: `controller ${f.view.name}`,
      symptom: `${f.view.services.length} compute services and ${f.view.agents.length} agents report; nothing wrong found`,
      cause: '',
      remedy: '',
      evidence: { services: f.view.services.length, agents: f.view.agents.length, servers: f.view.servers?.total ?? null },
    });
  return found;
}
