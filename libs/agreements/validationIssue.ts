/** One problem found in an agreement document, located by its path (and, for files, its line). */
export type PathSegment = string | number;

export interface ValidationIssue {
  /** Path in the document, e.g. `data.entities[2].filter.and[1].field`; '' for the document itself. */
  path: string;
  segments: readonly PathSegment[];
  message: string;
  /** 1-based position of the offending value, when the document came from a file. */
  line?: number;
  column?: number;
}

export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

export function formatIssue(issue: ValidationIssue, file?: string): string {
  const where = file ? `${file}${issue.line !== undefined ? `:${issue.line}:${issue.column ?? 1}` : ''} ` : '';
  return `${where}${issue.path === '' ? '(document)' : issue.path}: ${issue.message}`;
}

/** Collects every problem instead of stopping at the first, so an author fixes a file in one pass. */
export class IssueCollector {
  readonly issues: ValidationIssue[] = [];

  add(segments: readonly PathSegment[], message: string): void {
    this.issues.push({ path: formatPath(segments), segments: [...segments], message });
  }

  get count(): number {
    return this.issues.length;
  }
}
