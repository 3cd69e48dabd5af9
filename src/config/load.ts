import fs from 'node:fs';
import path from 'node:path';
import ini from 'ini';
import { configSchema, envAliases, type KeySpec, type XosConfig } from './schema.js';
import { redactUrl } from './redact-url.js';

export class ConfigError extends Error {
  constructor(where: string, section: string, key: string, reason: string) {
    super(`${where}: [${section}] ${key}: ${reason}`);
    this.name = 'ConfigError';
  }
}

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

function coerce(spec: KeySpec, raw: unknown, where: string, section: string, key: string): unknown {
  const text = String(raw).trim();
  const fail = (reason: string) => new ConfigError(where, section, key, reason);
  switch (spec.type) {
    case 'string':
      return text;
    case 'bool':
      if (TRUE.has(text.toLowerCase())) return true;
      if (FALSE.has(text.toLowerCase())) return false;
      throw fail(`"${text}" is not a boolean (use True or False)`);
    case 'int': {
      if (!/^-?\d+$/.test(text)) throw fail(`"${text}" is not a whole number`);
      const n = Number(text);
      if (n < spec.min || n > spec.max) throw fail(`${n} is outside ${spec.min}–${spec.max}`);
      return n;
    }
    case 'enum':
      if (!spec.choices.includes(text)) throw fail(`"${text}" is not one of ${spec.choices.join(', ')}`);
      return text;
  }
}

// Which file to read: --config, then XOS_CONFIG, then ./xos_config when it exists.
export function findConfigFile(flag: string | undefined, env: NodeJS.ProcessEnv, cwd = process.cwd()): string | null {
  const given = flag ?? env.XOS_CONFIG;
  if (given) {
    if (!fs.existsSync(given)) throw new Error(`config file ${given} does not exist`);
    return path.resolve(given);
  }
  const local = path.join(cwd, 'xos_config');
  return fs.existsSync(local) ? local : null;
}

export function loadConfig(opts: { file?: string | null; env?: NodeJS.ProcessEnv } = {}): XosConfig {
  const env = opts.env ?? process.env;
  const file = opts.file ?? null;
  const out: Record<string, Record<string, unknown>> = {};
  for (const [s, keys] of Object.entries(configSchema)) {
    out[s] = {};
    for (const [k, spec] of Object.entries(keys)) out[s][k] = spec.default;
  }
  if (file) {
    let parsed: Record<string, unknown>;
    try {
      parsed = ini.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`cannot read config file ${file}: ${(e as Error).message}`);
    }
    for (const [s, body] of Object.entries(parsed)) {
      const section = (configSchema as Record<string, Record<string, KeySpec>>)[s];
      if (!section || typeof body !== 'object' || body === null)
        throw new ConfigError(file, s, '*', `unknown section (known: ${Object.keys(configSchema).join(', ')})`);
      for (const [k, raw] of Object.entries(body)) {
        if (!section[k]) throw new ConfigError(file, s, k, `unknown key (known: ${Object.keys(section).join(', ')})`);
        out[s][k] = coerce(section[k], raw, file, s, k);
      }
    }
  }
  const overrides: [string, string, string][] = [];
  for (const [s, keys] of Object.entries(configSchema))
    for (const k of Object.keys(keys)) overrides.push([`XOS_${s}_${k}`.toUpperCase(), s, k]);
  for (const [name, [s, k]] of Object.entries(envAliases)) overrides.push([name, s, k]);
  for (const [name, s, k] of overrides) {
    const raw = env[name];
    if (raw === undefined) continue;
    const spec = (configSchema as Record<string, Record<string, KeySpec>>)[s][k];
    out[s][k] = coerce(spec, raw, `environment ${name}`, s, k);
  }
  if (out.db.url && !/^postgres(ql)?:\/\//.test(String(out.db.url)))
    throw new ConfigError(file ?? 'environment', 'db', 'url', 'must start with postgres:// or postgresql://');
  return { ...(out as unknown as Omit<XosConfig, 'source'>), source: { file } };
}

// The effective configuration as INI text, secrets masked.
export function showConfig(cfg: XosConfig): string {
  const lines = [`# effective configuration${cfg.source.file ? ` (file ${cfg.source.file})` : ' (no file; defaults and environment)'}`];
  for (const [s, keys] of Object.entries(configSchema)) {
    lines.push('', `[${s}]`);
    for (const [k, spec] of Object.entries(keys as Record<string, KeySpec>)) {
      let v = (cfg as unknown as Record<string, Record<string, unknown>>)[s][k];
      if ('secret' in spec && spec.secret && v) v = k === 'url' ? redactUrl(String(v)) : '********';
      lines.push(`${k} = ${typeof v === 'boolean' ? (v ? 'True' : 'False') : v}`);
    }
  }
  return lines.join('\n') + '\n';
}
