const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** The complete CSV records at the start of a chunk of a log file (their text, not yet split into fields), and how many bytes they take. */
export interface CsvChunk {
  records: string[];
  /** Bytes of `chunk` the records take; the rest is a record still being written (or cut off by the read). */
  consumed: number;
}

/**
 * Splits a chunk of a CSV file into its complete records. A record ends at a line feed outside quotes,
 * so a field may hold line feeds (PostgreSQL's csvlog quotes messages that span lines). Records are
 * returned as text so that a caller can skip most of them without splitting fields. The split is
 * done on bytes, before decoding: a read that ends inside a multi-byte UTF-8 character, or inside a
 * quoted field, leaves that last record for the next read, which starts at `consumed`.
 */
export function completeCsvRecords(chunk: Buffer): CsvChunk {
  const records: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < chunk.length; i++) {
    const b = chunk[i];
    if (b === QUOTE) quoted = !quoted;
    else if (b === LF && !quoted) {
      const end = i > start && chunk[i - 1] === CR ? i - 1 : i;
      records.push(chunk.toString('utf8', start, end));
      start = i + 1;
    }
  }
  return { records, consumed: start };
}

/**
 * The fields of one CSV record (RFC 4180: a field in double quotes may hold commas, line feeds and
 * doubled quotes). An empty unquoted field and an empty quoted one both give ''.
 */
export function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < line.length) {
    const c = line[i];
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
    i++;
  }
  fields.push(field);
  return fields;
}
