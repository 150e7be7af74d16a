import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { readSecret, secretFile, type SecretKind } from '../config';

/**
 * The generated passwords of the secure local stack: one file each under `<stack>/secrets` (0600 in
 * 0700 folders), made once and read back by the stack manager and — through the settings' secure
 * defaults — by the clients. 24 random bytes, base64url: no character needs quoting in a URL, a
 * properties file or a JAAS line.
 */
export function ensureSecret(stackDir: string, kind: SecretKind, name: string): string {
  const existing = readSecret(stackDir, kind, name);
  if (existing) return existing;
  const file = secretFile(stackDir, kind, name);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.chmodSync(path.dirname(path.dirname(file)), 0o700);
  const value = randomBytes(24).toString('base64url');
  fs.writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}
