/** Where a reconciliation failed: enough to find the table and the run, never a row value. */
export interface ReconcileContext {
  agreementId?: string;
  entity?: string;
  /** 'provider' (the ministry's own `thahs.<entity>`) or 'partner' (the receiver's `partner_<provider>.<entity>`). */
  side?: 'provider' | 'partner';
  ministry?: string;
  runId?: string;
  /** A column named by the problem. */
  field?: string;
  /** Positions of the pipeline a wait for the consumer names. */
  lsn?: string;
  topic?: string;
  partition?: number;
  offset?: string;
}

/** A reconciliation that cannot start or cannot finish; the message names the agreement, entity and side at fault. */
export class ReconcileError extends Error {
  constructor(
    /** What went wrong, without the context. */
    readonly detail: string,
    readonly context: ReconcileContext = {},
    options?: { cause?: unknown },
  ) {
    super(`${detail}${describe(context)}`, options);
    this.name = 'ReconcileError';
  }

  /** The same problem with more context (the run, the agreement) added by an outer layer. */
  within(context: ReconcileContext): ReconcileError {
    return new ReconcileError(this.detail, { ...context, ...this.context }, { cause: this });
  }
}

/** Another run of the same scope holds its lock: two runs of one scope never overlap. */
export class ReconcileBusyError extends ReconcileError {
  constructor(context: ReconcileContext) {
    super('another reconciliation of this scope is running', context);
    this.name = 'ReconcileBusyError';
  }
}

function describe(c: ReconcileContext): string {
  const parts = [
    c.agreementId && `agreement ${c.agreementId}`,
    c.entity && `entity ${c.entity}`,
    c.field && `field ${c.field}`,
    c.side && `${c.side} side`,
    c.ministry && `ministry ${c.ministry}`,
    c.runId && `run ${c.runId}`,
    c.lsn && `LSN ${c.lsn}`,
    c.topic && `topic ${c.topic}`,
    c.partition !== undefined && `partition ${c.partition}`,
    c.offset && `offset ${c.offset}`,
  ].filter(Boolean);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}
