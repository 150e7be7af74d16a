import type { ContractField, EntityContract } from '../../contracts/contractTypes';

/** Small contracts and documents for the unit tests; not the published contracts in schemas/. */
function field(name: string, kind: ContractField['kind'], nullable: boolean, extra: Partial<ContractField> = {}): ContractField {
  return { name, kind, nullable, docVi: name, docEn: name, sensitivity: 2, ...extra };
}

function contract(entity: string, providers: EntityContract['providers'], fields: ContractField[]): EntityContract {
  return {
    entity,
    namespace: `vn.thahs.${entity}`,
    docVi: entity,
    docEn: entity,
    providers,
    keySchema: {},
    valueSchema: {},
    keyFields: ['id'],
    fields,
  };
}

export const personContract = contract(
  'person',
  ['cand', 'qdnd'],
  [
    field('id', 'uuid', false),
    field('ministry', 'enum', false, { symbols: ['CAND', 'QDND', 'UNKNOWN'] }),
    field('reporting_unit_id', 'uuid', false),
    field('national_id', 'string', true),
    field('full_name', 'string', false),
    field('date_of_birth', 'date', false),
    field('sex', 'enum', false, { symbols: ['M', 'F', 'X', 'UNKNOWN'] }),
    field('residence_province_code', 'string', true),
    field('is_military', 'boolean', false),
    field('prior_convictions', 'int', true),
    field('biometric_refs', 'json', true, { sensitivity: 3 }),
    field('updated_at', 'timestamp', false),
    field('row_version', 'long', false),
  ],
);

export const judgmentContract = contract(
  'judgment',
  ['cand', 'qdnd'],
  [
    field('id', 'uuid', false),
    field('judgment_no', 'string', false),
    field('judgment_date', 'date', false),
    field('court_id', 'uuid', false),
    field('civil_obligation_vnd', 'decimal', true, { precision: 18, scale: 0 }),
    field('court_fee_vnd', 'decimal', true, { precision: 12, scale: 2 }),
    field('immediately_enforceable', 'boolean', false),
    field('effective_date', 'date', true),
    field('score', 'double', true),
  ],
);

export const legalPersonContract = contract('legal_person', ['cand'], [field('id', 'uuid', false), field('enterprise_code', 'string', false), field('name', 'string', false)]);

export const fixtureContracts = (entity: string): EntityContract | undefined => [personContract, judgmentContract, legalPersonContract].find((c) => c.entity === entity);

/** A valid cand → qdnd agreement in authoring form (a fresh object each call, free to mutate). */
export function validAgreementInput(): Record<string, unknown> {
  return {
    format: 'thahs-agreement/1',
    id: 'TTDL-CAND-QDND-2025-01',
    version: 1,
    titleVi: 'Thống nhất trao đổi dữ liệu thi hành án hình sự từ CSDL CAND sang CSDL QĐND',
    titleEn: 'Exchange of THAHS data from the cand database to the qdnd database',
    parties: {
      provider: { id: 'cand.c10', ministry: 'cand', nameVi: 'Cục C10, Bộ Công an' },
      consumers: [{ id: 'qdnd.cuc-dths', ministry: 'qdnd', nameVi: 'Cục Điều tra hình sự, Bộ Quốc phòng' }],
    },
    dispatch: { number: '125/C10-P4', date: '2025-06-20', channel: 'official_letter' },
    data: {
      entities: [
        {
          entity: 'person',
          fields: ['id', 'national_id', 'full_name', 'date_of_birth', 'is_military'],
          filter: { field: 'is_military', op: 'eq', value: true },
        },
        {
          entity: 'judgment',
          fields: ['id', 'judgment_no', 'judgment_date', 'civil_obligation_vnd'],
          filter: {
            and: [
              { field: 'judgment_date', op: 'ge', value: '2020-01-01' },
              {
                or: [
                  { field: 'civil_obligation_vnd', op: 'is_null' },
                  { field: 'civil_obligation_vnd', op: 'lt', value: '1000000000' },
                ],
              },
            ],
          },
        },
      ],
    },
    place: {
      partnerStore: { database: 'qdnd', schema: 'partner_cand' },
      sites: ['Trụ sở Cục Điều tra hình sự, Hà Nội'],
    },
    period: { validFrom: '2025-07-01T00:00:00+07:00', validTo: '2030-07-01T00:00:00+07:00' },
    method: { transport: 'streaming', scope: 'partial', initialSnapshot: true },
    processing: {
      description: 'Ghi vào lược đồ partner_cand để đối chiếu hồ sơ quân nhân chấp hành án.',
      republish: false,
      derivedDataAllowed: true,
    },
    conditions: {
      purposes: [{ code: 'ENFORCEMENT_SUPERVISION', description: 'Theo dõi thi hành án đối với quân nhân' }],
      restrictions: ['Không cung cấp cho bên thứ ba'],
    },
    commitments: ['Hai bên tuân thủ quy định bảo vệ dữ liệu cá nhân và nội dung thống nhất này'],
    security: {
      signature: 'Ed25519',
      digest: 'SHA-256',
      transport: 'TLSv1.3',
      authentication: 'mTLS',
      storageEncryption: 'AES-256-GCM',
      keys: [
        { party: 'cand.c10', keyIds: ['cand-c10-2025'] },
        { party: 'qdnd.cuc-dths', keyIds: ['qdnd-cuc-dths-2025'] },
      ],
    },
    storage: { receivedRetention: 'until_end', derivedRetention: 'P5Y' },
    deletion: { method: 'hard_delete', afterEnd: 'P30D' },
  };
}
