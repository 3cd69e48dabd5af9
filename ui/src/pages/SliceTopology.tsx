// The slice page's Topology tab, in the spirit of Horizon's network topology: the slice's networks
// as vertical bars, its instances as boxes, and a line from each instance to each network it has a
// port on, labelled with the address (private, NAT or public, and a port forwarding's public
// address). Drawn from the same rows as the Instances tab (ports, networks, templates), kept live;
// the picture scrolls inside its card, and a text version lists the same.
import { useMemo } from 'react';
import { api, type RowOf } from '../api';
import { useQuery } from '../hooks';
import { Link, navigate } from '../router';
import { ErrorAlert, Loading, statusOf } from '../components/ui';
import { powerLabel } from '../components/InstancePower';
import { netKind, usePortsOf, type Net } from './slice-ports';

type Instance = RowOf<'instances'>;
type Kind = ReturnType<typeof netKind>;

interface Attachment {
  net: number;
  kind: Kind;
  ip: string | null;
  floating: string | null;
}

const NET_W = 160; // one network's column
const BAR = 12;
const TOP = 58; // below the network labels
const BOX_W = 180;
const LINE = 20; // one connection's row inside an instance box
const GAP = 14;
const KIND_COLOR: Record<Kind, string> = { private: '#2563eb', NAT: '#c2410c', public: '#15803d' };
const STATUS_COLOR: Record<string, string> = { ok: '#157347', pending: '#8a5a00', error: '#b42318' };

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function SliceTopology({ slice }: { slice: RowOf<'slices'> }) {
  const instances = useQuery(
    `instances?slice=${slice.id}`,
    () => api.list('instances', { slice: slice.id, limit: 1000, sort: 'id' }),
    (n) => n.model === 'Instance',
  );
  const own = useQuery(`networks?owner=${slice.id}`, () => api.list('networks', { owner: slice.id, limit: 1000, sort: 'id' }), (n) => n.model === 'Network');
  const items = useMemo(() => instances.data?.items ?? [], [instances.data]);
  const ownIds = useMemo(() => (own.data?.items ?? []).map((n) => n.id), [own.data]);
  const { ports, netById, tplById, loaded } = usePortsOf(
    items.map((i) => i.id),
    ownIds,
  );

  const model = useMemo(() => {
    const nets = [...netById.values()].sort((a, b) => a.id - b.id);
    const col = new Map(nets.map((n, k) => [n.id, k]));
    const links = new Map<number, Attachment[]>();
    for (const p of ports) {
      if (p.instance == null || !col.has(p.network)) continue;
      const net = netById.get(p.network)!;
      const l = { net: p.network, kind: netKind(tplById.get(net.template)), ip: p.ip, floating: p.floating_ip };
      links.set(p.instance, [...(links.get(p.instance) ?? []), l].sort((a, b) => col.get(a.net)! - col.get(b.net)!));
    }
    return { nets, col, links };
  }, [ports, netById, tplById]);

  if (instances.error) return <ErrorAlert error={instances.error} />;
  if (!instances.data || !own.data || !loaded) return <Loading label="Loading the topology…" />;
  const { nets, col, links } = model;
  if (!nets.length && !items.length) return <p className="empty">This slice has no networks and no instances yet.</p>;

  // Instance boxes, one under another, right of the network bars.
  const x0 = 24 + nets.length * NET_W + 20;
  let y = TOP + 10;
  const boxes = items.map((inst) => {
    const ls = links.get(inst.id) ?? [];
    const h = 44 + Math.max(ls.length, 1) * LINE;
    const box = { inst, ls, y, h };
    y += h + GAP;
    return box;
  });
  const height = Math.max(y + 10, TOP + 60);
  const width = x0 + BOX_W + 20;
  const barX = (net: number) => 24 + col.get(net)! * NET_W;
  const label = `Topology of slice ${slice.name}: ${nets.length} network${nets.length === 1 ? '' : 's'}, ${items.length} instance${items.length === 1 ? '' : 's'}`;

  return (
    <section className="card" aria-labelledby="topo-title">
      <div className="card-head">
        <h2 id="topo-title" className="card-title">
          Network topology
        </h2>
        <ul className="topo-legend" aria-label="Legend">
          {(['private', 'NAT', 'public'] as Kind[]).map((k) => (
            <li key={k}>
              <span className="topo-swatch" style={{ background: KIND_COLOR[k] }} aria-hidden="true" />
              {k}
            </li>
          ))}
        </ul>
      </div>
      <div className="topo-wrap" tabIndex={0} role="group" aria-label="Topology picture (scrolls)">
        <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby="topo-svg-title" aria-describedby="topo-text" data-testid="topology">
          <title id="topo-svg-title">{label}</title>
          {nets.map((n) => (
            <NetBar key={n.id} net={n} x={barX(n.id)} height={height} kind={netKind(tplById.get(n.template))} />
          ))}
          {boxes.map(({ inst, ls, y: by, h }) => {
            const st = statusOf(inst);
            return (
              <g key={inst.id} data-instance={inst.name ?? inst.id}>
                {ls.map((l, j) => {
                  const ly = by + 52 + j * LINE;
                  const bx = barX(l.net);
                  const text = [l.ip ?? 'no address yet', l.floating ? `↔ ${l.floating}` : ''].filter(Boolean).join(' ');
                  return (
                    <g key={l.net} data-link={`${inst.name ?? inst.id}:${netById.get(l.net)?.name}`}>
                      <line x1={bx + BAR / 2} y1={ly} x2={x0} y2={ly} stroke={KIND_COLOR[l.kind]} strokeWidth={2} />
                      <circle cx={bx + BAR / 2} cy={ly} r={4} fill={KIND_COLOR[l.kind]} />
                      <text x={bx + BAR + 6} y={ly - 4} className="topo-ip">
                        {text}
                      </text>
                    </g>
                  );
                })}
                <rect
                  x={x0}
                  y={by}
                  width={BOX_W}
                  height={h}
                  rx={6}
                  className="topo-box"
                  stroke={STATUS_COLOR[st.cls] ?? '#66707f'}
                  onClick={() => navigate(`/instances/${inst.id}`)}
                />
                <text x={x0 + 10} y={by + 18} className="topo-name" onClick={() => navigate(`/instances/${inst.id}`)}>
                  {cut(inst.name ?? `Instance #${inst.id}`, 22)}
                </text>
                <text x={x0 + 10} y={by + 33} className="topo-sub">
                  {st.label} · {powerLabel(inst).text}
                </text>
              </g>
            );
          })}
        </svg>
      </div>
      <details className="topo-details">
        <summary>Text version</summary>
        <TextVersion nets={nets} items={items} links={links} netName={(id) => netById.get(id)?.name ?? `network ${id}`} kindOf={(n) => netKind(tplById.get(n.template))} />
      </details>
    </section>
  );
}

function NetBar({ net, x, height, kind }: { net: Net; x: number; height: number; kind: Kind }) {
  return (
    <g data-network={net.name}>
      <text x={x} y={16} className="topo-net">
        {cut(net.name, 19)}
        <title>{net.name}</title>
      </text>
      <text x={x} y={32} className="topo-sub">
        {kind}
        {net.subnet ? ` · ${net.subnet}` : ''}
      </text>
      <rect x={x} y={TOP - 16} width={BAR} height={height - TOP + 8} rx={4} fill={KIND_COLOR[kind]} opacity={0.85} />
    </g>
  );
}

// The same as the picture, in words, with links.
function TextVersion({
  nets,
  items,
  links,
  netName,
  kindOf,
}: {
  nets: Net[];
  items: Instance[];
  links: Map<number, Attachment[]>;
  netName: (id: number) => string;
  kindOf: (n: Net) => Kind;
}) {
  const used = new Set([...links.values()].flat().map((l) => l.net));
  return (
    <ul className="plain topo-text" id="topo-text">
      {items.map((i) => {
        const ls = links.get(i.id) ?? [];
        return (
          <li key={i.id}>
            <Link to={`/instances/${i.id}`}>{i.name ?? `Instance #${i.id}`}</Link> ({statusOf(i).label}, {powerLabel(i).text}):{' '}
            {ls.length
              ? ls.map((l) => `${l.kind} ${l.ip ?? 'no address yet'}${l.floating ? ` (public ${l.floating} for port forwarding)` : ''} on ${netName(l.net)}`).join('; ')
              : 'on no network yet'}
          </li>
        );
      })}
      {nets
        .filter((n) => !used.has(n.id))
        .map((n) => (
          <li key={`n${n.id}`}>
            Network {n.name} ({kindOf(n)}
            {n.subnet ? `, ${n.subnet}` : ''}): no instances
          </li>
        ))}
    </ul>
  );
}
