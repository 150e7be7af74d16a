import * as path from 'path';
import { repoRoot } from '../config/repoRoot';
import type { CatalogAgreementParty, CatalogAgreementSource } from '../contracts/catalogAgreement';
import type { ContractRegistry } from '../contracts/contractRegistry';
import { sealedFields } from './protectedFields';
import type { AgreementDocument, ContractLookup, Party } from './agreementDocument';
import { describeFilter } from './describeFilter';
import { parseIsoDuration, type IsoDuration } from './isoDuration';
import { loadAgreementDirectory } from './loadAgreementFile';

/** deploy/agreements of this repository: the published example agreements the catalogue shows. */
export const DEFAULT_AGREEMENT_DIR = path.join(repoRoot(), 'deploy', 'agreements');

const UNITS: ReadonlyArray<readonly [keyof IsoDuration, string, string]> = [
  ['years', 'năm', 'year'],
  ['months', 'tháng', 'month'],
  ['weeks', 'tuần', 'week'],
  ['days', 'ngày', 'day'],
  ['hours', 'giờ', 'hour'],
  ['minutes', 'phút', 'minute'],
  ['seconds', 'giây', 'second'],
];

/** An ISO 8601 duration in words, e.g. P1Y6M → "1 năm 6 tháng" / "1 year 6 months"; null for a zero duration. */
function durationWords(text: string, vi: boolean): string | null {
  const parsed = parseIsoDuration(text);
  // The document was validated, so an unreadable duration is shown as written rather than hidden.
  if (!parsed.ok) return text;
  const parts = UNITS.filter(([k]) => parsed.value[k] > 0).map(([k, unitVi, unitEn]) => {
    const n = parsed.value[k];
    return vi ? `${n} ${unitVi}` : `${n} ${unitEn}${n === 1 ? '' : 's'}`;
  });
  return parts.length === 0 ? null : parts.join(' ');
}

function retentionWords(value: string, vi: boolean): string {
  if (value === 'until_end') return vi ? 'đến khi thỏa thuận kết thúc' : 'until the agreement ends';
  const d = durationWords(value, vi);
  if (d === null) return vi ? 'không lưu sau khi nhận' : 'not kept after receipt';
  return vi ? `${d} kể từ khi nhận` : `${d} from receipt`;
}

function deletionWords(doc: AgreementDocument, vi: boolean): string {
  const { method, afterEnd, anonymiseFields } = doc.deletion;
  const delay = durationWords(afterEnd, vi);
  const when = vi
    ? `${delay === null ? 'ngay khi' : `${delay} sau khi`} thỏa thuận kết thúc (hết hạn hoặc chấm dứt)`
    : `${delay === null ? 'when' : `${delay} after`} the agreement ends (expiry or termination)`;
  const topics = vi ? 'các chủ đề của thỏa thuận cũng được xóa khỏi nền tảng' : "the agreement's topics are deleted from the platform too";
  if (method === 'anonymise') {
    const entities = Object.entries(anonymiseFields ?? {}).map(([entity, fields]) =>
      vi ? `ẩn danh ${entity} (xóa giá trị ${fields.join(', ')})` : `${entity} anonymised (${fields.join(', ')} set to null)`,
    );
    const rest = vi ? 'xóa hẳn các thực thể khác' : 'every other entity hard-deleted';
    return `${[...entities, rest].join(', ')}, ${when}; ${topics}`;
  }
  return vi ? `xóa hẳn dữ liệu nhận được, ${when}; ${topics}` : `received data hard-deleted ${when}; ${topics}`;
}

function party(p: Party): CatalogAgreementParty {
  return { id: p.id, ministry: p.ministry, nameVi: p.nameVi, ...(p.nameEn === undefined ? {} : { nameEn: p.nameEn }) };
}

/**
 * One agreement version as the catalogue takes it (libs/contracts buildCatalog): plain data, its
 * filters and its retention and deletion elements already in Vietnamese and English words.
 */
export function catalogAgreementSource(doc: AgreementDocument, contracts?: ContractLookup): CatalogAgreementSource {
  return {
    id: doc.id,
    version: doc.version,
    titleVi: doc.titleVi,
    ...(doc.titleEn === undefined ? {} : { titleEn: doc.titleEn }),
    provider: party(doc.parties.provider),
    consumers: doc.parties.consumers.map(party),
    dispatch: { number: doc.dispatch.number, date: doc.dispatch.date, channel: doc.dispatch.channel },
    period: { validFrom: doc.period.validFrom, validTo: doc.period.validTo },
    partnerStore: { database: doc.place.partnerStore.database, schema: doc.place.partnerStore.schema },
    method: { scope: doc.method.scope, initialSnapshot: doc.method.initialSnapshot },
    purposes: doc.conditions.purposes.map((p) => ({ code: p.code, description: p.description })),
    retention: {
      received: doc.storage.receivedRetention,
      derived: doc.storage.derivedRetention,
      summaryVi: `dữ liệu nhận được: ${retentionWords(doc.storage.receivedRetention, true)}; dữ liệu dẫn xuất: ${retentionWords(doc.storage.derivedRetention, true)}`,
      summaryEn: `received data: ${retentionWords(doc.storage.receivedRetention, false)}; derived data: ${retentionWords(doc.storage.derivedRetention, false)}`,
    },
    deletion: {
      method: doc.deletion.method,
      afterEnd: doc.deletion.afterEnd,
      ...(doc.deletion.anonymiseFields ? { anonymiseFields: doc.deletion.anonymiseFields } : {}),
      summaryVi: deletionWords(doc, true),
      summaryEn: deletionWords(doc, false),
    },
    entities: doc.data.entities.map((share) => {
      const contract = contracts?.(share.entity);
      return {
        entity: share.entity,
        fields: [...share.fields],
        filtered: share.filter !== undefined,
        filterVi: describeFilter(share.filter, 'vi', contract),
        filterEn: describeFilter(share.filter, 'en', contract),
        ...(contract && sealedFields(doc, share.entity, contract).length > 0 ? { sealed: sealedFields(doc, share.entity, contract) } : {}),
      };
    }),
  };
}

/**
 * Every agreement file of `dir`, validated against the contract, as catalogue input. A file that
 * fails validation fails the catalogue (the first failure is thrown, naming its file and problems):
 * a published catalogue must not silently leave out an agreement.
 */
export async function loadCatalogAgreementSources(dir: string, registry: ContractRegistry): Promise<CatalogAgreementSource[]> {
  const contracts: ContractLookup = (entity) => (registry.has(entity) ? registry.get(entity) : undefined);
  const { documents, failures } = await loadAgreementDirectory(dir, { contracts });
  if (failures.length > 0) throw failures[0];
  return documents.map((d) => catalogAgreementSource(d.document, contracts));
}
