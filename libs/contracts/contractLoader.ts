import * as fs from 'fs';
import * as path from 'path';
import { repoRoot } from '../config/repoRoot';
import { ContractError } from './contractError';
import { contractFromSchemas } from './contractConventions';
import { ContractRegistry } from './contractRegistry';

/** schemas/ of this repository: the published data contract. */
export const DEFAULT_SCHEMA_DIR = path.join(repoRoot(), 'schemas');

const FILE_NAME = /^([a-z][a-z0-9_]*)\.(key|value)\.avsc$/;

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ContractError(file, `cannot read: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ContractError(file, `not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Loads every `<entity>.key.avsc` / `<entity>.value.avsc` pair in `dir`, parses each with avsc and checks
 * the contract conventions. Throws ContractError naming the file (and field) at fault.
 */
export function loadContracts(dir: string = DEFAULT_SCHEMA_DIR): ContractRegistry {
  let names: string[];
  try {
    names = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.avsc'))
      .sort();
  } catch (err) {
    throw new ContractError(dir, `cannot list schema folder: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (names.length === 0) throw new ContractError(dir, 'no .avsc files');
  const pairs = new Map<string, { key?: string; value?: string }>();
  for (const name of names) {
    const m = FILE_NAME.exec(name);
    if (!m) throw new ContractError(path.join(dir, name), 'file name must be <entity>.key.avsc or <entity>.value.avsc');
    const pair = pairs.get(m[1]) ?? {};
    pair[m[2] as 'key' | 'value'] = path.join(dir, name);
    pairs.set(m[1], pair);
  }
  const contracts = [...pairs].map(([entity, pair]) => {
    if (!pair.key || !pair.value) {
      const missing = path.join(dir, `${entity}.${pair.key ? 'value' : 'key'}.avsc`);
      throw new ContractError(missing, 'missing: every entity needs both a key and a value schema');
    }
    return contractFromSchemas(entity, readJson(pair.key), readJson(pair.value), { keyFile: pair.key, valueFile: pair.value });
  });
  return new ContractRegistry(contracts);
}
