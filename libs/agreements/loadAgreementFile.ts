import { promises as fs } from 'fs';
import * as path from 'path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { AgreementDocument } from './agreementDocument';
import { AgreementFileError, AgreementValidationError } from './agreementValidationError';
import { parseAgreementDocument, type ParseAgreementOptions } from './parseAgreementDocument';
import type { PathSegment, ValidationIssue } from './validationIssue';

const EXTENSIONS = ['.yaml', '.yml', '.json'];

/**
 * Parses the text of an agreement file (YAML, or JSON, which is read by the same parser so both get
 * line numbers) and validates it. Throws AgreementValidationError naming the file, the line, the path
 * in the document and what is wrong, for every problem found.
 */
export function parseAgreementText(text: string, file: string, options: ParseAgreementOptions = {}): AgreementDocument {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') {
    try {
      JSON.parse(text);
    } catch (e) {
      throw new AgreementValidationError([{ path: '', segments: [], message: `not valid JSON: ${(e as Error).message}` }], file);
    }
  }
  const lines = new LineCounter();
  // uniqueKeys: a key written twice would otherwise silently keep only its last value.
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, version: '1.2' });
  if (doc.errors.length > 0) {
    throw new AgreementValidationError(
      doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return { path: '', segments: [], message: `YAML syntax: ${e.message.split('\n')[0]}`, line: pos.line, column: pos.col };
      }),
      file,
    );
  }
  const result = parseAgreementDocument(doc.toJS({ maxAliasCount: 100 }), options);
  if (result.ok) return result.document;
  const located: ValidationIssue[] = result.issues.map((issue) => {
    const offset = locate(doc.contents, issue.segments);
    if (offset === undefined) return issue;
    const pos = lines.linePos(offset);
    return { ...issue, line: pos.line, column: pos.col };
  });
  throw new AgreementValidationError(located, file);
}

/** Reads and validates one agreement file (.yaml, .yml or .json). */
export async function loadAgreementFile(file: string, options: ParseAgreementOptions = {}): Promise<AgreementDocument> {
  if (!EXTENSIONS.includes(path.extname(file).toLowerCase())) {
    throw new AgreementFileError(file, `unsupported extension; expected one of ${EXTENSIONS.join(', ')}`);
  }
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new AgreementFileError(file, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseAgreementText(text, file, options);
}

/**
 * Loads every agreement file of a folder, carrying on past a bad file so that one run reports the
 * problems of all files; `failures` holds one error per failing file.
 */
export async function loadAgreementDirectory(
  dir: string,
  options: ParseAgreementOptions = {},
): Promise<{ documents: { file: string; document: AgreementDocument }[]; failures: (AgreementValidationError | AgreementFileError)[] }> {
  const names = (await fs.readdir(dir)).filter((n) => EXTENSIONS.includes(path.extname(n).toLowerCase())).sort();
  const documents: { file: string; document: AgreementDocument }[] = [];
  const failures: (AgreementValidationError | AgreementFileError)[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      documents.push({ file, document: await loadAgreementFile(file, options) });
    } catch (e) {
      if (e instanceof AgreementValidationError || e instanceof AgreementFileError) failures.push(e);
      else throw e;
    }
  }
  return { documents, failures };
}

/** Offset of the deepest node along `segments` (the value if it exists, else its nearest ancestor). */
function locate(root: unknown, segments: readonly PathSegment[]): number | undefined {
  let node: unknown = root;
  let offset = rangeStart(node);
  for (const seg of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === seg);
      if (!pair) break;
      const keyOffset = rangeStart(pair.key);
      if (keyOffset !== undefined) offset = keyOffset;
      node = pair.value;
      const valueOffset = rangeStart(node);
      if (valueOffset !== undefined) offset = valueOffset;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      const itemOffset = rangeStart(node);
      if (itemOffset === undefined) break;
      offset = itemOffset;
    } else {
      break;
    }
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return Array.isArray(range) ? range[0] : undefined;
}
