// Deployment access-control lists: `allow|deny site|user|all <pattern>` rules separated by newlines
// or ";", evaluated top to bottom; the first match wins and the implicit last rule is deny.

export interface AclRule {
  action: 'allow' | 'deny';
  kind: 'site' | 'user' | 'all';
  pattern: string;
  line: number;
}

export interface AclSubject {
  email: string;
  siteNames: string[]; // the names (and login bases) of the user's home site
}

export function parseAcl(text: string): { rules: AclRule[]; errors: string[] } {
  const rules: AclRule[] = [];
  const errors: string[] = [];
  text.split(/[\n;]/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^(allow|deny)\s+(site|user|all)(?:\s+(.+))?$/i.exec(line);
    if (!m) {
      errors.push(`rule ${i + 1} "${line}": expected "allow|deny site|user|all <pattern>"`);
      return;
    }
    const kind = m[2].toLowerCase() as AclRule['kind'];
    const pattern = (m[3] ?? '').trim();
    if (kind !== 'all' && !pattern) {
      errors.push(`rule ${i + 1} "${line}": "${kind}" needs a pattern`);
      return;
    }
    rules.push({ action: m[1].toLowerCase() as AclRule['action'], kind, pattern: pattern || '*', line: i + 1 });
  });
  return { rules, errors };
}

// fnmatch-style matching: * any run, ? one character, [abc] a set; case-insensitive.
export function globMatch(pattern: string, value: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += '[' + pattern.slice(i + 1, end).replace(/\\/g, '\\\\').replace(/^!/, '^') + ']';
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i').test(value);
}

export function aclAllows(rules: AclRule[], subject: AclSubject): boolean {
  for (const r of rules) {
    const hit =
      r.kind === 'all' ||
      (r.kind === 'user' && globMatch(r.pattern, subject.email)) ||
      (r.kind === 'site' && subject.siteNames.some((n) => globMatch(r.pattern, n)));
    if (hit) return r.action === 'allow';
  }
  return false;
}
