import * as fs from 'fs';
import * as path from 'path';

const PACKAGE_NAME = 'thahs-exchange';
let cached: string | undefined;

/**
 * The checkout (or installed package) folder. The same module runs from its TypeScript source and from
 * the compiled build in dist/, one folder deeper, so relative paths from __dirname cannot be fixed;
 * the folder holding this project's package.json can.
 */
export function repoRoot(): string {
  if (cached) return cached;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      const name = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
      if (name === PACKAGE_NAME) return (cached = dir);
    }
    if (path.dirname(dir) === dir) throw new Error(`no package.json named ${PACKAGE_NAME} above ${__dirname}`);
  }
}
