import { CatalogCode, CatalogDocument, CatalogEntity, CatalogField } from './catalogModel';
import { CATALOG_LABELS as L } from './catalogLabels';

/** Plain text made inert: Markdown punctuation and HTML-looking "<topic>" are backslash-escaped. */
function t(text: string): string {
  return text.replace(/[\\`*[\]<>|]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

function code(text: string): string {
  return `\`${text.replace(/\|/g, '\\|')}\``;
}

/** Cells are already Markdown; callers escape text with t() or code(). */
function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  return [`| ${headers.map(t).join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

function fieldRows(fields: readonly CatalogField[]): string[][] {
  return fields.map((f, i) => [String(i + 1), code(f.name), t(f.avroType), f.nullable ? L.yes : L.no, String(f.sensitivity), t(f.docVi), t(f.docEn)]);
}

function codeList(codes: readonly CatalogCode[]): string {
  return codes.map((c) => (c.labelVi ? `${code(c.code)} ${t(c.labelVi)}` : code(c.code))).join('; ');
}

function entityHeading(e: CatalogEntity, n: number): string {
  return `${n}. ${e.entity} — ${e.docVi}`;
}

function entitySection(e: CatalogEntity, n: number): string[] {
  const out: string[] = [`## ${t(entityHeading(e, n))}`, '', `*${t(e.docEn)}*`, ''];
  out.push(`- ${L.namespace}: ${code(e.namespace)}`);
  out.push(`- ${L.key}: ${e.key.map((k) => `${code(k.name)} (${t(k.avroType)})`).join(', ')}`);
  out.push(`- ${L.compatibility}: ${code(e.services[0]?.compatibility ?? '')}`, '');
  out.push(
    ...table(
      [L.provider, L.topic, L.keySubject, L.valueSubject],
      e.services.map((s) => [`${t(s.providerVi)} (${s.provider})`, code(s.topic), code(s.keySubject), code(s.valueSubject)]),
    ),
    '',
  );
  out.push(`### ${L.fields}`, '');
  out.push(...table([L.number, L.field, L.type, L.nullable, L.sensitivity, L.descriptionVi, L.descriptionEn], fieldRows(e.fields)), '');
  const enums = e.fields.filter((f) => f.codes);
  if (enums.length > 0) {
    out.push(`### ${L.codeLists}`, '');
    for (const f of enums) out.push(`- ${code(f.name)} (${code(f.enumName ?? f.avroType)}): ${codeList(f.codes ?? [])}`);
    out.push('');
  }
  for (const f of e.fields.filter((x) => x.jsonKeys)) {
    out.push(`### ${L.jsonKeys}: ${code(f.name)}`, '');
    const rows = (f.jsonKeys ?? []).map((k) => [
      code(k.group),
      code(k.key),
      t(k.jsonType),
      k.codes ? `${t(k.docVi)}: ${codeList(k.codes)}` : t(k.docVi),
      t(k.docEn),
    ]);
    out.push(...table([L.group, L.jsonKey, L.type, L.descriptionVi, L.descriptionEn], rows), '');
  }
  out.push(`${L.fingerprint}: ${L.key.toLowerCase()} ${code(e.fingerprints.key)}, ${L.value} ${code(e.fingerprints.value)}`, '');
  return out;
}

/** The catalogue as Markdown, for the repository and for operators. */
export function renderCatalogMarkdown(doc: CatalogDocument): string {
  const out: string[] = [`# ${t(doc.titleVi)}`, '', `*${t(doc.titleEn)}*`, ''];
  out.push(`> ${L.generatedNote}`, '>', `> *${L.generatedNoteEn}*`, '');
  out.push(`## ${L.contents}`, '');
  out.push(`- [${L.conventions}](#${anchor(L.conventions)})`, `- [${L.services}](#${anchor(L.services)})`);
  doc.entities.forEach((e, i) => out.push(`- [${t(entityHeading(e, i + 1))}](#${anchor(entityHeading(e, i + 1))})`));
  out.push('', `## ${L.conventions}`, '');
  out.push(`**${L.wireFormat}.** ${t(doc.wireFormatVi)}`, '', `*${t(doc.wireFormatEn)}*`, '');
  out.push(`**${L.compatibility}: ${code(doc.compatibility.rule)}.** ${t(doc.compatibility.descriptionVi)}`, '', `*${t(doc.compatibility.descriptionEn)}*`, '');
  out.push(`### ${L.typeConventions}`, '');
  out.push(
    ...table(
      [L.type, L.representation, L.descriptionEn],
      doc.typeConventions.map((c) => [code(c.avroType), t(c.representationVi), t(c.representationEn)]),
    ),
    '',
  );
  out.push(`### ${L.sensitivityTiers}`, '');
  out.push(...table([L.tier, L.meaning, L.descriptionEn], doc.sensitivityTiers.map((c) => [String(c.tier), t(c.labelVi), t(c.labelEn)])), '');
  out.push(`## ${L.services}`, '');
  const rows = doc.entities.flatMap((e) =>
    e.services.map((s) => [code(e.entity), `${t(s.providerVi)} (${s.provider})`, code(s.topic), code(s.keySubject), code(s.valueSubject), code(s.compatibility)]),
  );
  out.push(...table([L.entity, L.provider, L.topic, L.keySubject, L.valueSubject, L.compatibility], rows), '');
  doc.entities.forEach((e, i) => out.push(...entitySection(e, i + 1)));
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

/** GitHub-style heading anchor: lower case, punctuation dropped, each space a hyphen. */
function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}
