/**
 * Endpoint rewrite rules, for clusters whose catalog advertises addresses XOS cannot
 * reach (a private management network behind NAT or a proxy). A rule
 *   { from: "10.0.0.0/8", to: "cloud.example.org" }   or   { from: "controller", to: "203.0.113.5" }
 * replaces the host of every catalog URL whose host lies inside `from` (a CIDR, a
 * single IP or a host name) by `to`, keeping scheme, port and path. The first
 * matching rule wins. The auth URL itself is never rewritten: the operator typed it.
 */
import { BlockList, isIP } from 'node:net';

export interface EndpointRewriteRule {
  /** IPv4/IPv6 CIDR, single address, or host name (case-insensitive) */
  from: string;
  /** replacement host name or address */
  to: string;
}

interface CompiledRule {
  matches(host: string): boolean;
  to: string;
}

export function compileRewriteRules(rules: readonly EndpointRewriteRule[]): (url: string) => string {
  const compiled = rules.map(compileRule);
  if (compiled.length === 0) return (url) => url;
  return (url) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return url;
    }
    const host = unbracket(parsed.hostname);
    const rule = compiled.find((r) => r.matches(host));
    if (!rule) return url;
    parsed.hostname = isIP(rule.to) === 6 ? `[${rule.to}]` : rule.to;
    return parsed.toString().replace(/\/$/, url.endsWith('/') ? '/' : '');
  };
}

function compileRule(rule: EndpointRewriteRule): CompiledRule {
  const from = rule.from.trim();
  const to = unbracket(rule.to.trim());
  if (from === '' || to === '') throw new Error(`endpoint rewrite rule needs both "from" and "to": ${JSON.stringify(rule)}`);
  const [address, prefixText] = from.split('/');
  const family = isIP(unbracket(address!));
  if (family === 0) {
    if (prefixText !== undefined) throw new Error(`not a CIDR: ${from}`);
    const name = from.toLowerCase().replace(/\.$/, '');
    return { matches: (host) => host.toLowerCase().replace(/\.$/, '') === name, to };
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const maxPrefix = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > maxPrefix) throw new Error(`bad prefix length in ${from}`);
  const block = new BlockList();
  block.addSubnet(unbracket(address!), prefix, type);
  return {
    matches: (host) => {
      const hostFamily = isIP(host);
      if (hostFamily === 0) return false;
      return block.check(host, hostFamily === 4 ? 'ipv4' : 'ipv6');
    },
    to,
  };
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
