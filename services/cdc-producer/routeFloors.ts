/**
 * Floors in the stream, per agreement topic: a snapshot published at consistent point c (rows at
 * position c − 1) covers every change committed before c, so streamed changes below the floor are not
 * published to that topic after it — each key's events stay in position order on the topic, and
 * compaction, which keeps the last offset, keeps the newest state. A route floor covers a whole
 * entity (a backfill); a key floor only the keys a re-publication read.
 */
export class RouteFloors {
  private readonly routes = new Map<string, Map<string, bigint>>();
  private readonly keys = new Map<string, Map<string, Map<string, bigint>>>();
  private keyCount = 0;

  route(agreementId: string, entity: string): bigint | undefined {
    return this.routes.get(agreementId)?.get(entity);
  }

  setRoute(agreementId: string, entity: string, floor: bigint): void {
    let m = this.routes.get(agreementId);
    if (!m) {
      m = new Map();
      this.routes.set(agreementId, m);
    }
    m.set(entity, floor);
  }

  /** Whether any key floor is set: the hot path skips the lookup when none is. */
  get hasKeyFloors(): boolean {
    return this.keyCount > 0;
  }

  key(agreementId: string, entity: string, id: string): bigint | undefined {
    return this.keys.get(agreementId)?.get(entity)?.get(id);
  }

  setKeys(agreementId: string, entity: string, ids: Iterable<string>, floor: bigint): void {
    let a = this.keys.get(agreementId);
    if (!a) {
      a = new Map();
      this.keys.set(agreementId, a);
    }
    let e = a.get(entity);
    if (!e) {
      e = new Map();
      a.set(entity, e);
    }
    for (const id of ids) {
      if (!e.has(id)) this.keyCount++;
      e.set(id, floor);
    }
  }

  /** Key floors at or below `lsn` skip nothing any more: the stream is past them. */
  dropKeysBelow(lsn: bigint): void {
    for (const a of this.keys.values()) {
      for (const e of a.values()) {
        for (const [id, f] of e) {
          if (f <= lsn) {
            e.delete(id);
            this.keyCount--;
          }
        }
      }
    }
  }

  forget(agreementId: string): void {
    this.routes.delete(agreementId);
    const a = this.keys.get(agreementId);
    if (a) for (const e of a.values()) this.keyCount -= e.size;
    this.keys.delete(agreementId);
  }
}
