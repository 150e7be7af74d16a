import * as fs from 'fs';
import * as path from 'path';
import type { KeyObject } from 'crypto';
import { PublicKeyRing } from '../../libs/signing';

/**
 * The public keys of the keys folder (`<dir>/public/<keyId>.pub.pem`), read again when an event names
 * a key id not seen yet (at most once a second), so a key installed while the consumers run — a new
 * provider key an amendment lists — verifies without a restart. Which key may sign for a provider is
 * still the agreement's decision (AppliedPolicy.providerKeyIds), not this ring's.
 */
export class KeysFolderRing extends PublicKeyRing {
  private lastRead = 0;

  constructor(private readonly dir: string) {
    super();
    this.read();
  }

  override get(keyId: string): KeyObject | undefined {
    const hit = super.get(keyId);
    if (hit || Date.now() - this.lastRead < 1000) return hit;
    this.read();
    return super.get(keyId);
  }

  private read(): void {
    this.lastRead = Date.now();
    const pub = path.join(this.dir, 'public');
    if (!fs.existsSync(pub)) return;
    for (const f of fs.readdirSync(pub).filter((x) => x.endsWith('.pub.pem'))) {
      const keyId = path.basename(f, '.pub.pem');
      if (super.get(keyId)) continue;
      try {
        this.add(keyId, fs.readFileSync(path.join(pub, f), 'utf8'));
      } catch {
        // A file that is not an Ed25519 public key under a valid id verifies nothing; the event naming it is refused.
      }
    }
  }
}
