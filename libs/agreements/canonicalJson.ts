import { createHash } from 'crypto';

/**
 * The byte-exact serialisation that signatures and hashes are computed over, so that a document or an
 * event signed by one ministry verifies on the other side after any JSON round trip. Follows RFC 8785
 * (JCS) for the values agreements contain: object keys sorted by UTF-16 code units, no whitespace,
 * ECMAScript number and string formatting. Properties whose value is `undefined` are left out, as
 * JSON.stringify does; anything JSON cannot carry faithfully is rejected instead of being coerced.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

function write(value: unknown, where: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON: ${where} is ${value}, which JSON cannot carry`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value
          .map((v, i) => {
            if (v === undefined) throw new TypeError(`canonical JSON: ${where}[${i}] is undefined`);
            return write(v, `${where}[${i}]`);
          })
          .join(',')}]`;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        throw new TypeError(`canonical JSON: ${where} is not a plain object`);
      }
      const obj = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of Object.keys(obj).sort()) {
        const v = obj[key];
        if (v === undefined) continue;
        parts.push(`${JSON.stringify(key)}:${write(v, `${where}.${key}`)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON: ${where} is a ${typeof value}`);
  }
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
