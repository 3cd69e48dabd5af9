// Cluster credentials are encrypted at rest with AES-256-GCM. The key comes from the config or
// the environment (or a 0600 key file outside the database); the database holds only ciphertext
// "v1:<key id>:<iv>:<tag>:<data>", so a stolen dump reveals nothing.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface SecretBox {
  encrypt(plain: string): string;
  decrypt(stored: string): string;
}

export function secretBox(keyHex: string): SecretBox {
  if (!/^[0-9a-fA-F]{64}$/.test(keyHex)) throw new Error('[security] secret_key must be 64 hexadecimal characters (32 bytes)');
  const key = Buffer.from(keyHex, 'hex');
  const keyId = crypto.createHash('sha256').update(key).digest('hex').slice(0, 8);
  return {
    encrypt(plain) {
      const iv = crypto.randomBytes(12);
      const c = crypto.createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return ['v1', keyId, iv.toString('base64'), c.getAuthTag().toString('base64'), data.toString('base64')].join(':');
    },
    decrypt(stored) {
      const [v, id, iv, tag, data] = stored.split(':');
      if (v !== 'v1') throw new Error('unknown secret format');
      if (id !== keyId) throw new Error(`secret was encrypted with another key (id ${id}); configure that key`);
      const d = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      d.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([d.update(Buffer.from(data, 'base64')), d.final()]).toString('utf8');
    },
  };
}

// The key from [security] secret_key, else from the key file, which is created on first use.
export function resolveSecretKey(opts: { key: string; keyFile: string; dataDir: string }): string {
  if (opts.key) return opts.key.trim();
  const file = opts.keyFile || path.join(opts.dataDir, 'secret.key');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = crypto.randomBytes(32).toString('hex');
  fs.writeFileSync(file, key + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}
