import * as os from 'os';

/**
 * Who an operator action or a read is recorded as: `--operator` when given (a named person, as the
 * access log expects), otherwise the login of the shell that ran the tool, on its host.
 */
export function operatorName(explicit?: string): string {
  if (explicit !== undefined) {
    const t = explicit.trim();
    if (t === '') throw new RangeError('--operator must not be empty');
    return t;
  }
  let user = process.env.SUDO_USER ?? process.env.USER ?? '';
  try {
    user = os.userInfo().username || user;
  } catch {
    // No passwd entry (some containers): the environment's name stands.
  }
  return `${user || 'unknown'}@${os.hostname()}`;
}
