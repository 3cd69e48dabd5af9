// The slice page's Instances tab, as the XOS Tenant view had it: how many instances at each site
// (with an image and a flavor for new ones), and each instance's addresses and SSH command.
import { useEffect, useMemo, useState } from 'react';
import { api, ApiError, type RowOf } from '../api';
import { useQuery } from '../hooks';
import { Link } from '../router';
import { useSession } from '../session';
import { RefSelect } from '../components/RefSelect';
import { FlavorSpecs } from '../components/FlavorSpecs';
import { useToast } from '../components/Toasts';
import { RefLink } from '../components/Value';
import { Alert, CopyButton, ErrorAlert, Icon, Loading, StatusBadge } from '../components/ui';
import { titleOf, useTitles } from '../titles';
import { netKind, usePortsOf } from './slice-ports';

interface Access {
  addresses: { network: string; ip: string; public: boolean }[];
  ssh: string | null;
}

// The addresses of instances (from their ports) and how to reach them by SSH: directly at a
// public address, otherwise through the node's SSH proxy as XOS always did.
type Instance = RowOf<'instances'>;

function useAccess(instances: Instance[]): Map<number, Access> {
  const { ports, netById, tplById } = usePortsOf(instances.map((i) => i.id));
  const nodeIds = [...new Set(instances.map((i) => i.node).filter((n) => n != null))];
  const nodes = useQuery(nodeIds.length ? `nodes?id__in=${nodeIds.join(',')}` : null, () => api.list('nodes', { id__in: nodeIds.join(','), limit: 1000 }));
  return useMemo(() => {
    const nodeById = new Map((nodes.data?.items ?? []).map((n) => [n.id, n]));
    const out = new Map<number, Access>();
    for (const inst of instances) {
      const addresses = ports
        .filter((p) => p.instance === inst.id && p.ip)
        .map((p) => {
          const net = netById.get(p.network);
          const tpl = net ? tplById.get(net.template) : undefined;
          return { network: net ? net.name : `network ${p.network}`, ip: String(p.ip), public: netKind(tpl) === 'public' };
        });
      const pub = addresses.find((a) => a.public);
      const node = inst.node != null ? nodeById.get(inst.node) : undefined;
      let ssh: string | null = null;
      if (pub) ssh = `ssh ubuntu@${pub.ip}`;
      else if (inst.instance_id && node) ssh = `ssh -o "ProxyCommand ssh -q ${inst.instance_id}@${node.name}" ubuntu@${inst.instance_name ?? inst.name ?? inst.instance_id}`;
      else if (inst.ip && inst.backend_code === 1) ssh = `ssh ubuntu@${inst.ip}`;
      out.set(inst.id, { addresses, ssh });
    }
    return out;
  }, [instances, ports, netById, tplById, nodes.data]);
}

function Addresses({ a, fallback }: { a: Access | undefined; fallback: string | null }) {
  if (a?.addresses.length)
    return (
      <ul className="plain">
        {a.addresses.map((x) => (
          <li key={`${x.network}-${x.ip}`}>
            <span className="muted">{x.network}:</span> <span className="mono">{x.ip}</span>
            {x.public && <span className="tag">public</span>}
          </li>
        ))}
      </ul>
    );
  if (fallback) return <span className="mono">{fallback}</span>;
  return <span className="muted">none yet</span>;
}

function Ssh({ cmd, name }: { cmd: string | null; name: string }) {
  if (!cmd) return <span className="muted">when the instance is running</span>;
  return (
    <span className="ssh">
      <code>{cmd}</code>
      <CopyButton text={cmd} label={`Copy the SSH command for ${name}`} />
    </span>
  );
}

// On an instance's own page.
export function InstanceAccess({ instance }: { instance: Instance }) {
  const list = useMemo(() => [instance], [instance]);
  const a = useAccess(list).get(instance.id);
  return (
    <section className="card" aria-labelledby="access-title">
      <h2 id="access-title" className="card-title">
        Access
      </h2>
      <dl className="props props-compact">
        <dt>Addresses</dt>
        <dd>
          <Addresses a={a} fallback={instance.ip} />
        </dd>
        <dt>SSH</dt>
        <dd>
          <Ssh cmd={a?.ssh ?? null} name={String(instance.name ?? instance.id)} />
        </dd>
      </dl>
    </section>
  );
}

interface AllocRow {
  sd: RowOf<'sitedeployments'>;
  nodes: RowOf<'nodes'>[];
  current: Instance[];
}

export function SliceTenant({ slice }: { slice: RowOf<'slices'> }) {
  const { readOnly, byName } = useSession();
  const toast = useToast();
  const sliceId = slice.id;
  const instances = useQuery(
    `instances?slice=${sliceId}`,
    () => api.list('instances', { slice: sliceId, limit: 1000, sort: 'id' }),
    (n) => n.model === 'Instance',
  );
  const sds = useQuery('sitedeployments', () => api.list('sitedeployments', { limit: 1000 }), (n) => n.model === 'SiteDeployment');
  const nodes = useQuery('nodes', () => api.list('nodes', { limit: 1000 }), (n) => n.model === 'Node');
  const defaultFlavor = useQuery('flavors?default', () => api.list('flavors', { default: 'true', limit: 1 }));
  const [image, setImage] = useState<number | null>(slice.default_image ?? null);
  const [flavor, setFlavor] = useState<number | null>(slice.default_flavor ?? null);
  const [wanted, setWanted] = useState<Record<number, string>>({});
  const [rowErrors, setRowErrors] = useState<Record<number, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const items = instances.data?.items ?? [];
  // New instances look like the newest one, else the slice's defaults, else the default flavor.
  const newest = items[items.length - 1];
  useEffect(() => {
    if (image == null && newest) setImage(newest.image);
    if (flavor == null && newest) setFlavor(newest.flavor);
    else if (flavor == null && defaultFlavor.data?.items[0]) setFlavor(defaultFlavor.data.items[0].id);
  }, [newest, defaultFlavor.data, image, flavor]);

  const access = useAccess(items);
  const rows: AllocRow[] = useMemo(() => {
    const nodeList = nodes.data?.items ?? [];
    const nodeById = new Map(nodeList.map((n) => [n.id, n]));
    return (sds.data?.items ?? [])
      .map((sd) => ({
        sd,
        nodes: nodeList.filter((n) => n.site_deployment === sd.id),
        current: items.filter(
          (i) => i.deployment === sd.deployment && (i.node != null ? nodeById.get(i.node)?.site_deployment === sd.id : sd.site === slice.site),
        ),
      }))
      .filter((r) => r.nodes.length > 0 || r.sd.site === slice.site || r.current.length > 0);
  }, [sds.data, nodes.data, items, slice.site]);
  const hiddenSds = (sds.data?.items.length ?? 0) - rows.length;
  useTitles(rows.flatMap((r) => [['Site', r.sd.site] as [string, number], ['Deployment', r.sd.deployment] as [string, number]]));

  const count = (r: AllocRow) => {
    const w = wanted[r.sd.id];
    return w === undefined ? r.current.length : w;
  };
  const totalWanted = rows.reduce((n, r) => n + (Number(count(r)) || 0), 0);
  const changed = rows.some((r) => String(count(r)) !== String(r.current.length));

  const apply = async () => {
    setFormError(null);
    setRowErrors({});
    const plan = rows.map((r) => ({ r, want: Number(count(r)) }));
    const bad = plan.find((p) => !Number.isInteger(p.want) || p.want < 0);
    if (bad) {
      setRowErrors({ [bad.r.sd.id]: 'must be a whole number, 0 or more' });
      return;
    }
    if (plan.some((p) => p.want > p.r.current.length) && (image == null || flavor == null)) {
      setFormError('Choose an image and a flavor for the new instances.');
      return;
    }
    if (totalWanted > slice.max_instances) {
      setFormError(`This slice may have at most ${slice.max_instances} instances (you asked for ${totalWanted}); raise "Max instances" on its Details tab first.`);
      return;
    }
    setBusy(true);
    let created = 0;
    let deleted = 0;
    const errs: Record<number, string> = {};
    let seq = Math.max(0, ...items.map((i) => Number(/-(\d+)$/.exec(i.name ?? '')?.[1] ?? 0))) + 1;
    for (const { r, want } of plan) {
      const key = r.sd.id;
      try {
        if (want > r.current.length) {
          const load = new Map(r.nodes.map((n) => [n.id, r.current.filter((i) => i.node === n.id).length]));
          for (let k = r.current.length; k < want; k++) {
            // The least loaded node of this site, or none (the cluster places it) at the slice's own site.
            let node: number | null = null;
            if (r.nodes.length) {
              node = [...load].sort((a, b) => a[1] - b[1] || a[0] - b[0])[0][0];
              load.set(node, load.get(node)! + 1);
            }
            await api.create('instances', {
              name: `${slice.name}-${seq++}`,
              slice: sliceId,
              deployment: r.sd.deployment,
              image,
              flavor,
              ...(node != null ? { node } : {}),
            });
            created++;
          }
        } else if (want < r.current.length) {
          const victims = [...r.current].sort((a, b) => b.id - a.id).slice(0, r.current.length - want);
          for (const v of victims) {
            await api.remove('instances', v.id);
            deleted++;
          }
        }
      } catch (e) {
        const ae = e as ApiError;
        errs[key] = ae.errors?.length ? ae.errors.map((x) => `${x.field}: ${x.message}`).join('; ') : ae.detail ?? String(e);
      }
    }
    setBusy(false);
    setRowErrors(errs);
    setWanted({});
    instances.reload();
    if (created || deleted) toast(`${created ? `${created} instance${created > 1 ? 's' : ''} created` : ''}${created && deleted ? ', ' : ''}${deleted ? `${deleted} deleted` : ''}`);
    if (Object.keys(errs).length) toast('Some changes failed; see the site rows', 'error');
  };

  const download = () => {
    const text = items
      .map((i) => `# ${i.name ?? i.id}\n${access.get(i.id)?.ssh ?? '# not reachable yet'}\n`)
      .join('\n');
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${slice.name}-ssh-commands.txt`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  const imageModel = byName.get('Image');
  const flavorModel = byName.get('Flavor');
  if (instances.error) return <ErrorAlert error={instances.error} />;
  if (!instances.data || !sds.data || !nodes.data) return <Loading label="Loading instances…" />;

  return (
    <div className="tenant">
      <section className="card" aria-labelledby="alloc-title">
        <h2 id="alloc-title" className="card-title">
          Instances per site
        </h2>
        {!readOnly && imageModel && flavorModel && (
          <div className="alloc-choices">
            <div className="field">
              <label htmlFor="alloc-image">Image for new instances</label>
              <RefSelect id="alloc-image" target={imageModel} value={image} onChange={setImage} required />
            </div>
            <div className="field">
              <label htmlFor="alloc-flavor">Flavor for new instances</label>
              <RefSelect id="alloc-flavor" target={flavorModel} value={flavor} onChange={setFlavor} required describedBy="alloc-flavor-specs" />
              <FlavorSpecs id={flavor} describes="alloc-flavor-specs" />
            </div>
          </div>
        )}
        {formError && <Alert>{formError}</Alert>}
        {rows.length === 0 ? (
          <p className="empty">
            No site can host instances for this slice yet: connect its site to a deployment (a <Link to="/sitedeployments/new">site deployment</Link>) or add nodes.
          </p>
        ) : (
          <div className="table-wrap">
          <table className="table alloc">
            <caption className="sr-only">Instances of this slice per site and deployment</caption>
            <thead>
              <tr>
                <th scope="col">Site</th>
                <th scope="col">Deployment</th>
                <th scope="col">Nodes</th>
                <th scope="col">Now</th>
                <th scope="col">Instances</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const id = r.sd.id;
                const label = `Instances at ${titleOf('Site', r.sd.site)} in ${titleOf('Deployment', r.sd.deployment)}`;
                return (
                  <tr key={id}>
                    <td>
                      <RefLink model="Site" id={r.sd.site} />
                    </td>
                    <td>
                      <RefLink model="Deployment" id={r.sd.deployment} />
                    </td>
                    <td>{r.nodes.length || <span className="muted">any (the cluster decides)</span>}</td>
                    <td>{r.current.length}</td>
                    <td>
                      {readOnly ? (
                        r.current.length
                      ) : (
                        <>
                          <input
                            type="number"
                            min={0}
                            step={1}
                            className="count"
                            aria-label={label}
                            aria-invalid={rowErrors[id] ? true : undefined}
                            aria-describedby={rowErrors[id] ? `alloc-err-${id}` : undefined}
                            value={count(r)}
                            onChange={(e) => setWanted((w) => ({ ...w, [id]: e.target.value }))}
                          />
                          {rowErrors[id] && (
                            <p className="field-error" id={`alloc-err-${id}`}>
                              {rowErrors[id]}
                            </p>
                          )}
                        </>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          </div>
        )}
        {hiddenSds > 0 && <p className="muted small">{hiddenSds} more site deployments have no nodes and are not shown.</p>}
        {!readOnly && rows.length > 0 && (
          <div className="form-actions">
            <button type="button" className="btn btn-primary" disabled={!changed || busy} onClick={apply}>
              {busy ? 'Applying…' : 'Apply'}
            </button>
            {changed && !busy && (
              <button type="button" className="btn" onClick={() => setWanted({})}>
                Reset
              </button>
            )}
            <span className="muted small">
              {totalWanted} of at most {slice.max_instances} instances
            </span>
          </div>
        )}
      </section>

      <section className="card" aria-labelledby="inst-title">
        <div className="card-head">
          <h2 id="inst-title" className="card-title">
            Instances ({items.length})
          </h2>
          <div className="actions">
            {items.length > 0 && (
              <button type="button" className="btn btn-small" onClick={download}>
                Download SSH commands
              </button>
            )}
            {!readOnly && (
              <Link to={`/instances/new?slice=${sliceId}`} className="btn btn-small">
                <Icon name="plus" size={14} />
                Add instance
              </Link>
            )}
          </div>
        </div>
        {items.length === 0 ? (
          <p className="empty">No instances yet.</p>
        ) : (
          <div className="table-wrap">
            <table className="table">
              <caption className="sr-only">Instances of this slice with their addresses and SSH commands</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Node</th>
                  <th scope="col">Image</th>
                  <th scope="col">Flavor</th>
                  <th scope="col">Status</th>
                  <th scope="col">Addresses</th>
                  <th scope="col">SSH</th>
                </tr>
              </thead>
              <tbody>
                {items.map((i) => (
                  <InstanceRow key={i.id} inst={i} access={access.get(i.id)} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

function InstanceRow({ inst, access }: { inst: Instance; access: Access | undefined }) {
  useTitles([
    ['Image', inst.image],
    ['Flavor', inst.flavor],
    ...(inst.node != null ? ([['Node', inst.node]] as [string, number][]) : []),
  ]);
  const name = inst.name ?? `Instance #${inst.id}`;
  return (
    <tr data-id={inst.id}>
      <td>
        <Link to={`/instances/${inst.id}`}>{name}</Link>
      </td>
      <td>{inst.node != null ? <RefLink model="Node" id={inst.node} /> : <span className="muted">—</span>}</td>
      <td>
        <RefLink model="Image" id={inst.image} />
      </td>
      <td>
        <RefLink model="Flavor" id={inst.flavor} />
      </td>
      <td>
        <StatusBadge row={inst} withMessage />
      </td>
      <td>
        <Addresses a={access} fallback={inst.ip} />
      </td>
      <td>
        <Ssh cmd={access?.ssh ?? null} name={name} />
      </td>
    </tr>
  );
}
