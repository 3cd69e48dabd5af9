// [api] trusted_proxies: the addresses (or CIDR ranges) whose X-Forwarded-* headers are believed.
import net from 'node:net';

export function trustedProxies(text: string): string[] | null {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (!items.length) return null;
  for (const item of items) {
    const [addr, bits, extra] = item.split('/');
    const family = net.isIP(addr);
    const okBits = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (!family || !okBits || extra !== undefined)
      throw new Error(`[api] trusted_proxies: "${item}" is not an IP address or CIDR range (e.g. 127.0.0.1 or 10.0.0.0/8)`);
  }
  return items;
}
