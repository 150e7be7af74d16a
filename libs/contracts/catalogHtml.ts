import type { CatalogAgreement, CatalogAgreementEntity, CatalogAgreementPartyView } from './catalogAgreement';
import { CatalogDocument, CatalogEntity, CatalogField, CatalogService, servicesByAgreement } from './catalogModel';
import { agreementCodeLabel, CATALOG_LABELS as L, PROVIDER_NAMES_VI } from './catalogLabels';
import type { Ministry } from './contractTypes';

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Escaped text in which `quoted` command names become <code>. */
function prose(text: string): string {
  return esc(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function code(text: string): string {
  return `<code>${esc(text)}</code>`;
}

/** Cells are already HTML; callers escape text with esc() or code(). */
function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, cls = ''): string {
  const head = `<tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table${cls ? ` class="${cls}"` : ''}>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

const STYLE = `
body { font-family: "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; color: #1b1f23; line-height: 1.45; }
h1 { border-bottom: 3px solid #a4161a; padding-bottom: .3rem; }
h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; margin-top: 2.5rem; }
.en { color: #57606a; font-style: italic; }
table { border-collapse: collapse; margin: .6rem 0 1.2rem; width: 100%; font-size: .92rem; }
th, td { border: 1px solid #d0d7de; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f4f6; }
tbody tr:nth-child(even) { background: #fafbfc; }
code { font-family: Consolas, "Liberation Mono", monospace; font-size: .88em; background: #f3f4f6; padding: 0 .2em; border-radius: 3px; }
.tier { display: inline-block; min-width: 1.4em; text-align: center; border-radius: 3px; font-weight: bold; }
.tier-1 { background: #dafbe1; } .tier-2 { background: #fff8c5; } .tier-3 { background: #ffebe9; }
.note { border-left: 4px solid #d0d7de; padding: .2rem .8rem; color: #57606a; }
.agreement { border: 1px solid #d0d7de; border-left: 4px solid #a4161a; border-radius: 4px; padding: .2rem 1rem .6rem; margin: 1.2rem 0; }
.agreement h3 { margin-top: .8rem; }
.agreement h4 { border-bottom: 1px dotted #d0d7de; padding-bottom: .15rem; margin-top: 1.6rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .6rem 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
td a code { white-space: nowrap; }
.filter { font-family: Consolas, "Liberation Mono", monospace; font-size: .9em; background: #fff8c5; padding: 0 .3em; border-radius: 3px; }
ul.codes { margin: .2rem 0 1rem; }
nav ul { columns: 2; list-style: none; padding-left: 0; }
nav ul li { margin: .1rem 0; }
nav ul li.sub { padding-left: 1.2rem; }
`;

function tier(n: number): string {
  return `<span class="tier tier-${n}">${n}</span>`;
}

function fieldRows(fields: readonly CatalogField[]): string[][] {
  return fields.map((f, i) => [
    String(i + 1),
    code(f.name),
    esc(f.avroType),
    f.nullable ? L.yes : L.no,
    tier(f.sensitivity),
    esc(f.docVi),
    `<span class="en">${esc(f.docEn)}</span>`,
  ]);
}

function ministry(m: Ministry): string {
  return `${esc(PROVIDER_NAMES_VI[m])} (${esc(m)})`;
}

function agreementLink(s: CatalogService): string {
  return `<a href="#${esc(s.agreementAnchor)}">${code(`${s.agreementId} v${s.agreementVersion}`)}</a>`;
}

function serviceCells(s: CatalogService): string[] {
  return [ministry(s.provider), s.receivers.map(ministry).join(', '), code(s.topic)];
}

function fingerprintLine(label: string, f: { key: string; value: string }): string {
  return `<p>${esc(label)}: ${esc(L.key.toLowerCase())} ${code(f.key)}, ${esc(L.value)} ${code(f.value)}</p>`;
}

function entitySection(e: CatalogEntity, n: number, rule: string): string {
  const parts: string[] = [];
  parts.push(`<section id="entity-${esc(e.entity)}">`);
  parts.push(`<h2>${n}. ${code(e.entity)} — ${esc(e.docVi)}</h2>`, `<p class="en">${esc(e.docEn)}</p>`);
  parts.push(
    `<ul><li>${esc(L.namespace)}: ${code(e.namespace)}</li>` +
      `<li>${esc(L.key)}: ${e.key.map((k) => `${code(k.name)} (${esc(k.avroType)})`).join(', ')}</li>` +
      `<li>${esc(L.heldBy)}: ${e.heldBy.map((h) => ministry(h.ministry)).join(', ')}</li>` +
      `<li>${esc(L.compatibility)}: ${code(rule)}</li></ul>`,
  );
  if (e.services.length === 0) parts.push(`<p class="note">${esc(L.notShared)}</p>`);
  else {
    parts.push(
      table(
        [L.agreement, L.provider, L.receivers, L.topic],
        e.services.map((s) => [agreementLink(s), ...serviceCells(s)]),
      ),
    );
  }
  parts.push(`<h3>${esc(L.fields)}</h3>`);
  parts.push(table([L.number, L.field, L.type, L.nullable, L.sensitivity, L.descriptionVi, L.descriptionEn], fieldRows(e.fields), 'fields'));
  const enums = e.fields.filter((f) => f.codes);
  if (enums.length > 0) {
    parts.push(`<h3>${esc(L.codeLists)}</h3>`, '<ul class="codes">');
    for (const f of enums) {
      const codes = (f.codes ?? []).map((c) => (c.labelVi ? `${code(c.code)} ${esc(c.labelVi)}` : code(c.code))).join('; ');
      parts.push(`<li>${code(f.name)} (${esc(f.enumName ?? f.avroType)}): ${codes}</li>`);
    }
    parts.push('</ul>');
  }
  for (const f of e.fields.filter((x) => x.jsonKeys)) {
    parts.push(`<h3>${esc(L.jsonKeys)}: ${code(f.name)}</h3>`);
    const rows = (f.jsonKeys ?? []).map((k) => {
      const codes = k.codes ? ` (${k.codes.map((c) => esc(c.labelVi ? `${c.code} ${c.labelVi}` : c.code)).join('; ')})` : '';
      return [code(k.group), code(k.key), esc(k.jsonType), `${esc(k.docVi)}${codes}`, `<span class="en">${esc(k.docEn)}</span>`];
    });
    parts.push(table([L.group, L.jsonKey, L.type, L.descriptionVi, L.descriptionEn], rows));
  }
  parts.push(fingerprintLine(L.fingerprint, e.fingerprints));
  parts.push('</section>');
  return parts.join('\n');
}

function party(p: CatalogAgreementPartyView): string {
  const en = p.nameEn ? `<br><span class="en">${esc(p.nameEn)}</span>` : '';
  return `${esc(p.nameVi)} (${code(p.id)}, ${esc(p.ministryVi)})${en}`;
}

/** Vietnamese reading, then the English one when it reads differently. */
function both(vi: string, en: string, cls = ''): string {
  const main = cls ? `<span class="${cls}">${esc(vi)}</span>` : esc(vi);
  return vi === en ? main : `${main}<br><span class="en">${esc(en)}</span>`;
}

function facts(rows: ReadonlyArray<readonly [string, string]>): string {
  return `<dl class="facts">\n${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('\n')}\n</dl>`;
}

function sharedEntitySection(a: CatalogAgreement, e: CatalogAgreementEntity): string {
  const rows = e.fields.map((f, i) => [String(i + 1), code(f.name), esc(f.avroType), tier(f.sensitivity), esc(f.docVi), `<span class="en">${esc(f.docEn)}</span>`]);
  return [
    `<section id="${esc(a.anchor)}-${esc(e.entity)}">`,
    `<h4>${code(e.entity)} — ${esc(e.docVi)} <span class="en">${esc(e.docEn)}</span></h4>`,
    facts([
      [L.entity, `<a href="#entity-${esc(e.entity)}">${code(e.entity)}</a>`],
      [L.topic, code(e.topic)],
      [L.keySubject, code(e.keySubject)],
      [L.valueSubject, code(e.valueSubject)],
      [L.filter, both(e.filterVi, e.filterEn, 'filter')],
      [L.sharedFields, `${e.fields.length}/${e.contractFieldCount} ${esc(L.sharedOf)}`],
    ]),
    table([L.number, L.field, L.type, L.sensitivity, L.descriptionVi, L.descriptionEn], rows, 'fields'),
    fingerprintLine(L.projectedFingerprint, e.fingerprints),
    '</section>',
  ].join('\n');
}

function agreementSection(a: CatalogAgreement): string {
  const d = a.dispatch;
  return [
    `<section class="agreement" id="${esc(a.anchor)}">`,
    `<h3>${esc(L.agreement)} ${code(a.id)}, ${esc(L.version)} ${a.version}</h3>`,
    `<p><strong>${esc(a.titleVi)}</strong>${a.titleEn ? `<br><span class="en">${esc(a.titleEn)}</span>` : ''}</p>`,
    facts([
      [L.provider, party(a.provider)],
      [L.receivers, a.consumers.map(party).join('<br>')],
      [L.dispatch, `${esc(L.dispatchNumber)} ${code(d.number)} ${esc(L.dispatchDate)} ${esc(d.date)}, ${esc(agreementCodeLabel(d.channel))}`],
      [L.period, `${esc(L.periodFrom)} ${esc(a.period.validFrom)} ${esc(L.periodTo)} ${esc(a.period.validTo)}`],
      [L.partnerStore, `${esc(L.partnerDatabase)} ${code(a.partnerStore.database)}, ${esc(L.partnerSchema)} ${code(a.partnerStore.schema)}`],
      [L.method, `${esc(L.scope)} ${esc(agreementCodeLabel(a.method.scope))}; ${esc(L.initialSnapshot)}: ${a.method.initialSnapshot ? L.yes : L.no}`],
      [L.purposes, a.purposes.map((p) => `${code(p.code)} ${esc(p.description)}`).join('<br>')],
      [L.retention, both(a.retention.summaryVi, a.retention.summaryEn)],
      [L.deletion, both(a.deletion.summaryVi, a.deletion.summaryEn)],
    ]),
    ...a.entities.map((e) => sharedEntitySection(a, e)),
    '</section>',
  ].join('\n');
}

/** The catalogue as one standalone HTML page: inline CSS, no scripts, no external assets. */
export function renderCatalogHtml(doc: CatalogDocument): string {
  const toc = [
    `<li><a href="#conventions">${esc(L.conventions)}</a></li>`,
    `<li><a href="#services">${esc(L.services)}</a></li>`,
    `<li><a href="#agreements">${esc(L.agreements)}</a></li>`,
    ...doc.agreements.map((a) => `<li class="sub"><a href="#${esc(a.anchor)}">${esc(L.agreement)} ${esc(a.id)}, ${esc(L.version)} ${a.version}</a></li>`),
    ...doc.entities.map((e, i) => `<li><a href="#entity-${esc(e.entity)}">${i + 1}. ${esc(e.entity)} — ${esc(e.docVi)}</a></li>`),
  ].join('\n');
  const services = servicesByAgreement(doc).map(({ entity, service }) => [
    agreementLink(service),
    `<a href="#entity-${esc(entity.entity)}">${code(entity.entity)}</a>`,
    ...serviceCells(service),
  ]);
  const unpublished = doc.entities.filter((e) => e.services.length === 0);
  const body = [
    `<h1>${esc(doc.titleVi)}</h1>`,
    `<p class="en">${esc(doc.titleEn)}</p>`,
    `<p class="note">${prose(L.generatedNote)}<br><span class="en">${prose(L.generatedNoteEn)}</span></p>`,
    `<nav><h2>${esc(L.contents)}</h2><ul>\n${toc}\n</ul></nav>`,
    `<section id="conventions"><h2>${esc(L.conventions)}</h2>`,
    `<p><strong>${esc(L.wireFormat)}.</strong> ${esc(doc.wireFormatVi)}<br><span class="en">${esc(doc.wireFormatEn)}</span></p>`,
    `<p><strong>${esc(L.publication)}.</strong> ${esc(doc.publicationVi)}<br><span class="en">${esc(doc.publicationEn)}</span></p>`,
    `<p><strong>${esc(L.compatibility)}: ${code(doc.compatibility.rule)}.</strong> ${esc(doc.compatibility.descriptionVi)}<br>` +
      `<span class="en">${esc(doc.compatibility.descriptionEn)}</span></p>`,
    `<h3>${esc(L.typeConventions)}</h3>`,
    table(
      [L.type, L.representation, L.descriptionEn],
      doc.typeConventions.map((t) => [code(t.avroType), esc(t.representationVi), `<span class="en">${esc(t.representationEn)}</span>`]),
    ),
    `<h3>${esc(L.sensitivityTiers)}</h3>`,
    table(
      [L.tier, L.meaning, L.descriptionEn],
      doc.sensitivityTiers.map((t) => [tier(t.tier), esc(t.labelVi), `<span class="en">${esc(t.labelEn)}</span>`]),
    ),
    '</section>',
    `<section id="services"><h2>${esc(L.services)}</h2>`,
    services.length === 0 ? `<p class="note">${esc(L.noAgreements)}</p>` : table([L.agreement, L.entity, L.provider, L.receivers, L.topic], services),
    unpublished.length === 0 ? '' : `<p>${esc(L.unpublished)}: ${unpublished.map((e) => `<a href="#entity-${esc(e.entity)}">${code(e.entity)}</a>`).join(', ')}.</p>`,
    '</section>',
    `<section id="agreements"><h2>${esc(L.agreements)}</h2>`,
    doc.agreements.length === 0 ? `<p class="note">${esc(L.noAgreements)}</p>` : '',
    ...doc.agreements.map(agreementSection),
    '</section>',
    ...doc.entities.map((e, i) => entitySection(e, i + 1, doc.compatibility.rule)),
  ]
    .filter((part) => part !== '')
    .join('\n');
  return [
    '<!DOCTYPE html>',
    '<html lang="vi">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(doc.titleVi)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
