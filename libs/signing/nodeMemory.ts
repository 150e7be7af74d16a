/**
 * Merkle nodes already proven to belong to a signed tree, each with the signature that proved it: a
 * direct-mapped table of 32-byte hashes in typed arrays. A node's slot is given by its first bytes (a
 * SHA-256 output, so uniformly spread); a newer node taking an occupied slot evicts the older one, which
 * costs only a later re-verification. Lookups compare all 32 bytes and the signature, so a slot never
 * vouches for anything but the exact node stored in it.
 *
 * It replaced Maps keyed by latin1 strings of the hashes: making a string of every node looked up or
 * stored, and hashing it into the Map, cost as much as a SHA-256 call per event.
 */
export class NodeMemory {
  private readonly mask: number;
  private readonly bytes: Uint8Array;
  /** Per slot, the signature's id (see VouchIds); 0 = empty. */
  private readonly vouchers: Int32Array;

  /** `slots` is rounded up to a power of two. */
  constructor(slots: number) {
    let n = 1;
    while (n < slots) n *= 2;
    this.mask = n - 1;
    this.bytes = new Uint8Array(n * 32);
    this.vouchers = new Int32Array(n);
  }

  get capacity(): number {
    return this.mask + 1;
  }

  forgetAll(): void {
    this.vouchers.fill(0);
  }

  /** How many slots hold a node. */
  count(): number {
    let n = 0;
    for (const v of this.vouchers) if (v !== 0) n++;
    return n;
  }

  private slotOf(node: Uint8Array, at: number): number {
    return (node[at] | (node[at + 1] << 8) | (node[at + 2] << 16) | (node[at + 3] << 24)) & this.mask;
  }

  /** Whether the 32 bytes at `node[at…]` were remembered under `voucher`. */
  has(node: Uint8Array, at: number, voucher: number): boolean {
    const slot = this.slotOf(node, at);
    if (this.vouchers[slot] !== voucher) return false;
    const b = this.bytes;
    const base = slot * 32;
    for (let i = 0; i < 32; i++) if (b[base + i] !== node[at + i]) return false;
    return true;
  }

  remember(node: Uint8Array, at: number, voucher: number): void {
    const slot = this.slotOf(node, at);
    const base = slot * 32;
    const b = this.bytes;
    for (let i = 0; i < 32; i++) b[base + i] = node[at + i];
    this.vouchers[slot] = voucher;
  }
}

/**
 * Small positive ids for (key id, signature) pairs, so the node memory stores an integer per node. The
 * events of one signing group arrive in runs, so the last pair is checked byte-wise before any lookup.
 * The table is emptied when it grows past `limit` (its nodes then merely become unknown); ids are not
 * reused until they run out after 2^31 − 2 signatures, when `onExhausted` must forget every node stored
 * under the old ones.
 */
export class VouchIds {
  private readonly ids = new Map<string, number>();
  private next = 1;
  private lastKeyId = '';
  private lastSignature: Buffer = Buffer.alloc(0);
  private lastId = 0;

  constructor(
    private readonly onExhausted: () => void,
    private readonly limit = 4096,
  ) {}

  idOf(keyId: string, signature: Buffer): number {
    if (this.lastId !== 0 && keyId === this.lastKeyId && signature.equals(this.lastSignature)) return this.lastId;
    const k = `${keyId}:${signature.toString('latin1')}`;
    let id = this.ids.get(k);
    if (id === undefined) {
      if (this.ids.size >= this.limit) this.ids.clear();
      if (this.next === 0x7fffffff) {
        this.ids.clear();
        this.next = 1;
        this.onExhausted();
      }
      id = this.next++;
      this.ids.set(k, id);
    }
    this.lastKeyId = keyId;
    // a copy: the signature is a view of a fetch response that must not be kept alive
    this.lastSignature = Buffer.from(signature);
    this.lastId = id;
    return id;
  }
}
