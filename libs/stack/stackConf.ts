import * as fs from 'fs';
import * as path from 'path';

/** The settings file the stack owns inside each data directory; rewritten on every `stack up`. */
export const STACK_CONF = 'thahs-stack.conf';

const INCLUDE = `include_if_exists = '${STACK_CONF}'`;
const INCLUDED = new RegExp(`^\\s*include_if_exists\\s*=\\s*'${STACK_CONF.replace('.', '\\.')}'`, 'm');

/** A postgresql.conf string value: single quotes doubled. */
export function confString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Writes the stack-owned settings of a cluster and makes postgresql.conf include them (last, so they
 * win over what initdb and the first start wrote). Clusters made before a setting existed get it too:
 * the include line is added once, and the file is the whole truth of what the stack sets later.
 * Returns whether the file changed (the server then has to reload or restart).
 */
export function writeStackConf(dataDir: string, lines: readonly string[]): boolean {
  const main = path.join(dataDir, 'postgresql.conf');
  if (!INCLUDED.test(fs.readFileSync(main, 'utf8'))) {
    fs.appendFileSync(main, `\n# settings the thahs stack manager keeps up to date (see libs/stack/stackConf.ts)\n${INCLUDE}\n`);
  }
  const file = path.join(dataDir, STACK_CONF);
  const text = ['# written by the thahs stack manager on every `stack up`; edits here are overwritten', ...lines, ''].join('\n');
  const before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  if (before === text) return false;
  fs.writeFileSync(file, text, { mode: 0o600 });
  return true;
}
