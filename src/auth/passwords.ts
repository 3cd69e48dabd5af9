// Passwords are hashed with argon2id (memory-hard), stored as PHC strings so parameters can move.
import { hash, verify } from '@node-rs/argon2';
import crypto from 'node:crypto';

export const hashPassword = (plain: string) => hash(plain);

export async function verifyPassword(stored: unknown, plain: string): Promise<boolean> {
  if (typeof stored !== 'string' || !stored.startsWith('$argon2')) return false;
  try {
    return await verify(stored, plain);
  } catch {
    return false;
  }
}

// For tokens and session ids: long random values need a fast hash, not a slow one.
export const sha256 = (v: string) => crypto.createHash('sha256').update(v).digest('hex');
export const randomToken = (bytes = 32) => crypto.randomBytes(bytes).toString('base64url');

// A readable password for a first admin that nobody named.
export const generatePassword = () => randomToken(12);
