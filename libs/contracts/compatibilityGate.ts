import * as fs from 'fs';
import * as path from 'path';
import { checkBackwardCompatible, CompatibilityIssue } from './compatibility';
import { DEFAULT_SCHEMA_DIR } from './contractLoader';
import { SchemaHistory } from './schemaHistory';

/** The gate's verdict on one schema file. */
export interface GateResult {
  /** Path relative to the schema folder, e.g. person.value.avsc. */
  file: string;
  entity: string;
  part: 'key' | 'value';
  /** Commit holding the version the working file was compared with; absent when there was none. */
  comparedWith?: string;
  issues: CompatibilityIssue[];
}

const FILE_NAME = /^([a-z][a-z0-9_]*)\.(key|value)\.avsc$/;

function parse(file: string, text: string, where: string): object {
  try {
    return JSON.parse(text) as object;
  } catch (err) {
    throw new Error(`${file} (${where}) is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Compares every schema file with its most recent committed version that differs (so a change already
 * committed is still checked against what it replaced) under Confluent BACKWARD rules. A schema file
 * that HEAD has but the working tree lost is reported too: its consumers would lose their contract.
 */
export function runCompatibilityGate(schemaDir: string = DEFAULT_SCHEMA_DIR): GateResult[] {
  const history = SchemaHistory.at(schemaDir);
  const names = fs.existsSync(schemaDir)
    ? fs
        .readdirSync(schemaDir)
        .filter((f) => FILE_NAME.test(f))
        .sort()
    : [];
  const results: GateResult[] = [];
  for (const name of names) {
    const m = FILE_NAME.exec(name) as RegExpExecArray;
    const file = path.join(schemaDir, name);
    const current = fs.readFileSync(file, 'utf8');
    const previous = history.previousDifferentVersion(file, current);
    const result: GateResult = { file: name, entity: m[1], part: m[2] as 'key' | 'value', issues: [] };
    if (previous) {
      result.comparedWith = previous.commit;
      result.issues = checkBackwardCompatible(parse(name, previous.text, previous.commit), parse(name, current, 'working tree'));
    }
    results.push(result);
  }
  for (const committed of history.committedFiles(schemaDir)) {
    const name = path.relative(schemaDir, committed);
    const m = FILE_NAME.exec(name);
    if (!m || names.includes(name)) continue;
    results.push({
      file: name,
      entity: m[1],
      part: m[2] as 'key' | 'value',
      issues: [{ field: '', kind: 'schema-removed', message: `${name} is committed but no longer in ${schemaDir}` }],
    });
  }
  return results;
}

/** One line per issue: "<entity> <part> (<file>) field <field>: <message>". */
export function formatGateIssues(results: readonly GateResult[]): string[] {
  return results.flatMap((r) =>
    r.issues.map((i) => `${r.entity} ${r.part} (${r.file}${r.comparedWith ? ` vs ${r.comparedWith.slice(0, 12)}` : ''}) field ${i.field || '<record>'}: ${i.message}`),
  );
}
