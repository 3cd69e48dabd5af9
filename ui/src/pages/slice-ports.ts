// The ports of some instances with their networks and those networks' templates, kept live: what
// the Instances tab's addresses and the Topology tab's picture are both drawn from.
import { useMemo } from 'react';
import { api, type RowOf } from '../api';
import { useQuery } from '../hooks';

export type Net = RowOf<'networks'>;
export type Template = RowOf<'networktemplates'>;

export interface PortsOf {
  ports: RowOf<'ports'>[];
  netById: Map<number, Net>;
  tplById: Map<number, Template>;
  loaded: boolean;
}

// How a network reaches its instances, from its template: private, NAT (translated) or public.
export function netKind(tpl: Template | undefined): 'private' | 'NAT' | 'public' {
  if (tpl?.translation === 'NAT') return 'NAT';
  return tpl?.visibility === 'public' ? 'public' : 'private';
}

// `extraNets`: more networks to load (a slice's own, which may have no port yet).
export function usePortsOf(instanceIds: number[], extraNets: number[] = []): PortsOf {
  const key = instanceIds.join(',');
  const ports = useQuery(
    key ? `ports?instance__in=${key}` : null,
    () => api.list('ports', { instance__in: key, limit: 1000 }),
    (n) => n.model === 'Port' || n.model === 'Network',
  );
  const netIds = [...new Set([...(ports.data?.items ?? []).map((p) => p.network), ...extraNets])].sort((a, b) => a - b).join(',');
  const nets = useQuery(netIds ? `networks?id__in=${netIds}` : null, () => api.list('networks', { id__in: netIds, limit: 1000 }), (n) => n.model === 'Network');
  const templates = useQuery('networktemplates', () => api.list('networktemplates', { limit: 1000 }));
  return useMemo(
    () => ({
      ports: ports.data?.items ?? [],
      netById: new Map((nets.data?.items ?? []).map((n) => [n.id, n])),
      tplById: new Map((templates.data?.items ?? []).map((t) => [t.id, t])),
      loaded: (!key || ports.data !== undefined) && (!netIds || nets.data !== undefined) && templates.data !== undefined,
    }),
    [ports.data, nets.data, templates.data, key, netIds],
  );
}
