import type { FieldSealer } from '../../libs/field-encryption';
import type { Lsn, Tuple } from '../../libs/pgoutput';
import type { SigningKey } from '../../libs/signing';
import type { RouteRules } from './agreementPlan';
import type { ContractBinding } from './contractBinding';
import type { EventEncoder } from './eventEncoder';
import { RowScope } from './rowScope';
import type { RowEncoder } from './rowEncoder';

/**
 * One agreement version's rules for one entity, compiled against the table as it is now: the row
 * filter read from the row's bytes, the projected value written from them, the key schema of the
 * agreement's topic, and the provider body's key the events are signed with.
 */
export class PublishRoute {
  private readonly scope: RowScope;
  private readonly values: RowEncoder;

  constructor(
    readonly rules: RouteRules,
    readonly binding: ContractBinding,
    private readonly schemas: EventEncoder,
    /** The provider body's key the version lists and this producer holds; without one nothing is published. */
    readonly key: SigningKey | undefined,
    /** Seals the version's protected fields; absent when it protects none. */
    sealer?: FieldSealer,
  ) {
    this.scope = new RowScope(binding.ministry, binding.contract, rules.share, binding.columns);
    this.values = binding.encoder(rules.projection.projected, schemas.valueType, schemas.valueSchemaId, sealer);
  }

  canSign(): this is SignedRoute {
    return this.key !== undefined;
  }

  get topic(): string {
    return this.rules.topic;
  }

  get agreementId(): string {
    return this.rules.agreementId;
  }

  get version(): number {
    return this.rules.version;
  }

  /** Whether the row image is inside the agreement's row filter. */
  contains(t: Tuple, old: Tuple | null, lsn: Lsn): boolean {
    return this.scope.contains(t, old, lsn);
  }

  /** The projected value in wire format. */
  encodeValue(t: Tuple, old: Tuple | null, lsn: Lsn): Buffer {
    return this.values.encode(t, old, lsn);
  }

  encodeKey(id: string): Buffer {
    return this.schemas.encodeKey(id);
  }
}

/** A route whose events can be signed. */
export type SignedRoute = PublishRoute & { readonly key: SigningKey };
