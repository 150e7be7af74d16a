import type { CatalogAgreement, CatalogAgreementEntity, CatalogAgreementPartyView } from './catalogAgreement';
import { CatalogCode, CatalogDocument, CatalogEntity, CatalogField, CatalogService, servicesByAgreement } from './catalogModel';
import { agreementCodeLabel, CATALOG_LABELS as L, PROVIDER_NAMES_VI } from './catalogLabels';
import type { Ministry } from './contractTypes';

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

function agreementHeading(a: { id: string; version: number }): string {
  return `${L.agreement} ${a.id}, ${L.version} ${a.version}`;
}

function sharedEntityHeading(a: CatalogAgreement, e: CatalogAgreementEntity): string {
  return `${a.id} · ${e.entity} — ${e.docVi}`;
}

function ministry(m: Ministry): string {
  return `${t(PROVIDER_NAMES_VI[m])} (${m})`;
}

function agreementLink(s: CatalogService): string {
  const heading = agreementHeading({ id: s.agreementId, version: s.agreementVersion });
  return `[${t(`${s.agreementId} v${s.agreementVersion}`)}](#${anchor(heading)})`;
}

function serviceCells(s: CatalogService): string[] {
  return [ministry(s.provider), s.receivers.map(ministry).join(', '), code(s.topic)];
}

function entitySection(e: CatalogEntity, n: number, rule: string): string[] {
  const out: string[] = [`## ${t(entityHeading(e, n))}`, '', `*${t(e.docEn)}*`, ''];
  out.push(`- ${L.namespace}: ${code(e.namespace)}`);
  out.push(`- ${L.key}: ${e.key.map((k) => `${code(k.name)} (${t(k.avroType)})`).join(', ')}`);
  out.push(`- ${L.heldBy}: ${e.heldBy.map((h) => ministry(h.ministry)).join(', ')}`);
  out.push(`- ${L.compatibility}: ${code(rule)}`, '');
  if (e.services.length === 0) out.push(L.notShared, '');
  else {
    out.push(
      ...table(
        [L.agreement, L.provider, L.receivers, L.topic],
        e.services.map((s) => [agreementLink(s), ...serviceCells(s)]),
      ),
      '',
    );
  }
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
    const rows = (f.jsonKeys ?? []).map((k) => [code(k.group), code(k.key), t(k.jsonType), k.codes ? `${t(k.docVi)}: ${codeList(k.codes)}` : t(k.docVi), t(k.docEn)]);
    out.push(...table([L.group, L.jsonKey, L.type, L.descriptionVi, L.descriptionEn], rows), '');
  }
  out.push(fingerprintLine(L.fingerprint, e.fingerprints), '');
  return out;
}

function fingerprintLine(label: string, f: { key: string; value: string }): string {
  return `${label}: ${L.key.toLowerCase()} ${code(f.key)}, ${L.value} ${code(f.value)}`;
}

function party(p: CatalogAgreementPartyView): string {
  const en = p.nameEn ? ` *${t(p.nameEn)}*` : '';
  return `${t(p.nameVi)} (${code(p.id)}, ${t(p.ministryVi)})${en}`;
}

/** Vietnamese reading, then the English one in italics when it reads differently. */
function both(vi: string, en: string): string {
  return vi === en ? t(vi) : `${t(vi)} (*${t(en)}*)`;
}

function sharedEntitySection(a: CatalogAgreement, e: CatalogAgreementEntity, entityTitle: string): string[] {
  const out: string[] = [`#### ${t(sharedEntityHeading(a, e))}`, ''];
  out.push(`- ${L.entity}: [${t(entityTitle)}](#${anchor(entityTitle)})`);
  out.push(`- ${L.topic}: ${code(e.topic)}`);
  out.push(`- ${L.keySubject}: ${code(e.keySubject)}; ${L.valueSubject.toLowerCase()}: ${code(e.valueSubject)}`);
  out.push(`- ${L.filter}: ${both(e.filterVi, e.filterEn)}`);
  out.push(`- ${L.sharedFields}: ${e.fields.length}/${e.contractFieldCount} ${L.sharedOf}`, '');
  const rows = e.fields.map((f, i) => [String(i + 1), code(f.name), t(f.avroType), String(f.sensitivity), t(f.docVi), t(f.docEn)]);
  out.push(...table([L.number, L.field, L.type, L.sensitivity, L.descriptionVi, L.descriptionEn], rows), '');
  out.push(fingerprintLine(L.projectedFingerprint, e.fingerprints), '');
  return out;
}

function agreementSection(a: CatalogAgreement, entities: readonly CatalogEntity[]): string[] {
  const out: string[] = [`### ${t(agreementHeading(a))}`, '', `**${t(a.titleVi)}**`, ''];
  if (a.titleEn) out.push(`*${t(a.titleEn)}*`, '');
  out.push(`- ${L.provider}: ${party(a.provider)}`);
  out.push(`- ${L.receivers}: ${a.consumers.map(party).join('; ')}`);
  out.push(`- ${L.dispatch}: ${L.dispatchNumber} ${code(a.dispatch.number)} ${L.dispatchDate} ${t(a.dispatch.date)}, ${t(agreementCodeLabel(a.dispatch.channel))}`);
  out.push(`- ${L.period}: ${L.periodFrom} ${t(a.period.validFrom)} ${L.periodTo} ${t(a.period.validTo)}`);
  out.push(`- ${L.partnerStore}: ${L.partnerDatabase} ${code(a.partnerStore.database)}, ${L.partnerSchema} ${code(a.partnerStore.schema)}`);
  out.push(`- ${L.method}: ${L.scope} ${t(agreementCodeLabel(a.method.scope))}; ${L.initialSnapshot}: ${a.method.initialSnapshot ? L.yes : L.no}`);
  out.push(`- ${L.purposes}: ${a.purposes.map((p) => `${code(p.code)} ${t(p.description)}`).join('; ')}`);
  out.push(`- ${L.retention}: ${both(a.retention.summaryVi, a.retention.summaryEn)}`);
  out.push(`- ${L.deletion}: ${both(a.deletion.summaryVi, a.deletion.summaryEn)}`, '');
  for (const e of a.entities) {
    const n = entities.findIndex((x) => x.entity === e.entity);
    out.push(...sharedEntitySection(a, e, entityHeading(entities[n], n + 1)));
  }
  return out;
}

/** The catalogue as Markdown, for the repository and for operators. */
export function renderCatalogMarkdown(doc: CatalogDocument): string {
  const out: string[] = [`# ${t(doc.titleVi)}`, '', `*${t(doc.titleEn)}*`, ''];
  out.push(`> ${L.generatedNote}`, '>', `> *${L.generatedNoteEn}*`, '');
  out.push(`## ${L.contents}`, '');
  out.push(`- [${L.conventions}](#${anchor(L.conventions)})`, `- [${L.services}](#${anchor(L.services)})`, `- [${L.agreements}](#${anchor(L.agreements)})`);
  for (const a of doc.agreements) out.push(`  - [${t(agreementHeading(a))}](#${anchor(agreementHeading(a))})`);
  doc.entities.forEach((e, i) => out.push(`- [${t(entityHeading(e, i + 1))}](#${anchor(entityHeading(e, i + 1))})`));
  out.push('', `## ${L.conventions}`, '');
  out.push(`**${L.wireFormat}.** ${t(doc.wireFormatVi)}`, '', `*${t(doc.wireFormatEn)}*`, '');
  out.push(`**${L.publication}.** ${t(doc.publicationVi)}`, '', `*${t(doc.publicationEn)}*`, '');
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
  out.push(
    ...table(
      [L.tier, L.meaning, L.descriptionEn],
      doc.sensitivityTiers.map((c) => [String(c.tier), t(c.labelVi), t(c.labelEn)]),
    ),
    '',
  );
  out.push(`## ${L.services}`, '');
  const services = servicesByAgreement(doc);
  if (services.length === 0) out.push(L.noAgreements, '');
  else {
    const rows = services.map(({ entity, service }) => [agreementLink(service), code(entity.entity), ...serviceCells(service)]);
    out.push(...table([L.agreement, L.entity, L.provider, L.receivers, L.topic], rows), '');
  }
  const unpublished = doc.entities.filter((e) => e.services.length === 0);
  if (unpublished.length > 0) out.push(`${L.unpublished}: ${unpublished.map((e) => code(e.entity)).join(', ')}.`, '');
  out.push(`## ${L.agreements}`, '');
  if (doc.agreements.length === 0) out.push(L.noAgreements, '');
  for (const a of doc.agreements) out.push(...agreementSection(a, doc.entities));
  doc.entities.forEach((e, i) => out.push(...entitySection(e, i + 1, doc.compatibility.rule)));
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

/** GitHub-style heading anchor: lower case, punctuation dropped, each space a hyphen. */
function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}
