import { CatalogDocument, CatalogEntity, CatalogField } from './catalogModel';
import { CATALOG_LABELS as L } from './catalogLabels';

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
ul.codes { margin: .2rem 0 1rem; }
nav ol { columns: 2; }
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

function entitySection(e: CatalogEntity, n: number): string {
  const parts: string[] = [];
  parts.push(`<section id="entity-${esc(e.entity)}">`);
  parts.push(`<h2>${n}. ${code(e.entity)} — ${esc(e.docVi)}</h2>`, `<p class="en">${esc(e.docEn)}</p>`);
  parts.push(
    `<ul><li>${esc(L.namespace)}: ${code(e.namespace)}</li>` +
      `<li>${esc(L.key)}: ${e.key.map((k) => `${code(k.name)} (${esc(k.avroType)})`).join(', ')}</li>` +
      `<li>${esc(L.compatibility)}: ${code(e.services[0]?.compatibility ?? '')}</li></ul>`,
  );
  parts.push(
    table(
      [L.provider, L.topic, L.keySubject, L.valueSubject],
      e.services.map((s) => [`${esc(s.providerVi)} (${esc(s.provider)})`, code(s.topic), code(s.keySubject), code(s.valueSubject)]),
    ),
  );
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
  parts.push(`<p>${esc(L.fingerprint)}: ${esc(L.key.toLowerCase())} ${code(e.fingerprints.key)}, ${esc(L.value)} ${code(e.fingerprints.value)}</p>`);
  parts.push('</section>');
  return parts.join('\n');
}

/** The catalogue as one standalone HTML page: inline CSS, no scripts, no external assets. */
export function renderCatalogHtml(doc: CatalogDocument): string {
  const toc = doc.entities.map((e, i) => `<li><a href="#entity-${esc(e.entity)}">${i + 1}. ${esc(e.entity)} — ${esc(e.docVi)}</a></li>`).join('\n');
  const services = doc.entities.flatMap((e) =>
    e.services.map((s) => [
      `<a href="#entity-${esc(e.entity)}">${code(e.entity)}</a>`,
      `${esc(s.providerVi)} (${esc(s.provider)})`,
      code(s.topic),
      code(s.keySubject),
      code(s.valueSubject),
      code(s.compatibility),
    ]),
  );
  const body = [
    `<h1>${esc(doc.titleVi)}</h1>`,
    `<p class="en">${esc(doc.titleEn)}</p>`,
    `<p class="note">${prose(L.generatedNote)}<br><span class="en">${prose(L.generatedNoteEn)}</span></p>`,
    `<nav><h2>${esc(L.contents)}</h2><ol>\n${toc}\n</ol></nav>`,
    `<section id="conventions"><h2>${esc(L.conventions)}</h2>`,
    `<p><strong>${esc(L.wireFormat)}.</strong> ${esc(doc.wireFormatVi)}<br><span class="en">${esc(doc.wireFormatEn)}</span></p>`,
    `<p><strong>${esc(L.compatibility)}: ${code(doc.compatibility.rule)}.</strong> ${esc(doc.compatibility.descriptionVi)}<br>` +
      `<span class="en">${esc(doc.compatibility.descriptionEn)}</span></p>`,
    `<h3>${esc(L.typeConventions)}</h3>`,
    table(
      [L.type, L.representation, L.descriptionEn],
      doc.typeConventions.map((t) => [code(t.avroType), esc(t.representationVi), `<span class="en">${esc(t.representationEn)}</span>`]),
    ),
    `<h3>${esc(L.sensitivityTiers)}</h3>`,
    table([L.tier, L.meaning, L.descriptionEn], doc.sensitivityTiers.map((t) => [tier(t.tier), esc(t.labelVi), `<span class="en">${esc(t.labelEn)}</span>`])),
    '</section>',
    `<section id="services"><h2>${esc(L.services)}</h2>`,
    table([L.entity, L.provider, L.topic, L.keySubject, L.valueSubject, L.compatibility], services),
    '</section>',
    ...doc.entities.map((e, i) => entitySection(e, i + 1)),
  ].join('\n');
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
