/**
 * Secrets never reach a log line, an error message or a status page: a connection URL may carry a
 * password (the secure profile's PostgreSQL URLs do), so every URL printed goes through these.
 */
const MASK = '***';

/** The URL with its password (and any `password` query parameter) replaced by ***; unparsable text is redacted as text. */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return redactSecrets(url);
  }
  if (u.password) u.password = MASK;
  for (const key of [...u.searchParams.keys()]) if (/pass(word)?|secret|token/i.test(key)) u.searchParams.set(key, MASK);
  return u.toString();
}

/**
 * Any text with the passwords of the URLs in it masked (`scheme://user:password@host`), and the
 * `password=…` pairs of connection strings and properties: for error messages that quote a URL.
 */
export function redactSecrets(text: string): string {
  return (
    text
      // Up to the last @ of the token: an unencoded '/' or '@' in a password must not leave a part visible.
      .replace(/([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)[^\s]*@/gi, `$1${MASK}@`)
      .replace(/\b(password|passwd|pwd)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&;,"']+)/gi, `$1$2${MASK}`)
  );
}
