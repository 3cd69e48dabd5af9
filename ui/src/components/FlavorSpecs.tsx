// What a flavor gives an instance, in one line beside the flavor select: "2 vCPUs · 4096 MB RAM · 40 GB disk".
import { api } from '../api';
import { useQuery } from '../hooks';

export function flavorSpecs(f: { vcpus: number; ram_mb: number; disk_gb: number }): string {
  return `${f.vcpus} vCPU${f.vcpus === 1 ? '' : 's'} · ${f.ram_mb} MB RAM · ${f.disk_gb} GB disk`;
}

export function FlavorSpecs({ id, describes }: { id: number | null; describes?: string }) {
  const { data } = useQuery(id == null ? null : `flavors/${id}`, () => api.get('flavors', id!), (n) => n.model === 'Flavor' && n.id === id);
  if (id == null || !data) return null;
  return (
    <p className="help" id={describes} data-testid="flavor-specs">
      {flavorSpecs(data)}
    </p>
  );
}
