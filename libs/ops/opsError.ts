/**
 * An operator tool could not do what it was asked, with the context an operator needs to act:
 * which ministry, agreement, consumer group, topic and partition it concerns. The message says
 * what to do next where the tool knows it.
 */
export interface OpsContext {
  ministry?: string;
  agreement?: string;
  group?: string;
  topic?: string;
  partition?: number;
  offset?: string;
}

export class OpsError extends Error {
  constructor(
    message: string,
    readonly context: OpsContext = {},
    override readonly cause?: unknown,
  ) {
    const where = Object.entries(context)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    super(where ? `${message} (${where})` : message);
    this.name = 'OpsError';
  }
}
