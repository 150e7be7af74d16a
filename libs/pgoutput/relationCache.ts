import type { Relation } from './pgoutputMessages';

/**
 * Relation metadata by table oid, as the last Relation message described it.
 *
 * A Relation sent inside a streamed (v2) transaction describes the table as that still-uncommitted
 * transaction sees it (e.g. after its own ALTER TABLE). Other transactions decoded meanwhile still use
 * the committed shape, and pgoutput will not resend it to them, so such a Relation is kept apart, under
 * the stream's toplevel xid, until Stream Commit makes it current or Stream Abort drops it.
 */
export class RelationCache {
  private readonly committed = new Map<number, Relation>();
  private readonly streamed = new Map<number, Map<number, Relation>>();

  set(relation: Relation, streamXid: number | null): void {
    if (streamXid === null) {
      this.committed.set(relation.oid, relation);
      return;
    }
    let overlay = this.streamed.get(streamXid);
    if (!overlay) {
      overlay = new Map();
      this.streamed.set(streamXid, overlay);
    }
    overlay.set(relation.oid, relation);
  }

  get(oid: number, streamXid: number | null): Relation | undefined {
    if (streamXid !== null) {
      const r = this.streamed.get(streamXid)?.get(oid);
      if (r) return r;
    }
    return this.committed.get(oid);
  }

  commitStream(xid: number): void {
    const overlay = this.streamed.get(xid);
    if (!overlay) return;
    for (const r of overlay.values()) this.committed.set(r.oid, r);
    this.streamed.delete(xid);
  }

  /** A subtransaction abort keeps the overlay: pgoutput tracks sent schemas per toplevel transaction. */
  abortStream(xid: number, subXid: number): void {
    if (xid === subXid) this.streamed.delete(xid);
  }

  /** Every committed relation, e.g. to map oids to tables after a reconnect. */
  relations(): IterableIterator<Relation> {
    return this.committed.values();
  }

  get openStreams(): number {
    return this.streamed.size;
  }
}
