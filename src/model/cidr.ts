// Whether a string is an address with a prefix length (10.0.0.0/24, fd00::/64). Its own module so
// that the model definitions can use it without loading the JSON schema validator.
import net from 'node:net';

export function isCidr(v: string) {
  const m = /^(.+)\/(\d{1,3})$/.exec(v);
  if (!m) return false;
  const kind = net.isIP(m[1]);
  return kind !== 0 && Number(m[2]) <= (kind === 4 ? 32 : 128);
}
