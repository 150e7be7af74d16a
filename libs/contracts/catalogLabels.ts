import type { Ministry } from './contractTypes';

export const PROVIDER_NAMES_VI: Readonly<Record<Ministry, string>> = { cand: 'Bộ Công an', qdnd: 'Bộ Quốc phòng' };

/** Vietnamese headings and column labels of the operator-facing catalogue (Markdown and HTML). */
export const CATALOG_LABELS = {
  generatedNote:
    'Tài liệu được sinh tự động từ hợp đồng dữ liệu Avro trong thư mục schemas/ và các thỏa thuận đã công bố trong deploy/agreements/ (Điều 6.3, 7.2–7.3); ' +
    'không sửa tay, chạy `thahs catalog` để sinh lại.',
  generatedNoteEn: 'Generated from the Avro data contract in schemas/ and the published agreements in deploy/agreements/; do not edit by hand, run `thahs catalog` to regenerate.',
  contents: 'Mục lục',
  conventions: 'Quy ước chung',
  wireFormat: 'Định dạng truyền',
  compatibility: 'Quy tắc tương thích',
  typeConventions: 'Biểu diễn kiểu dữ liệu',
  representation: 'Biểu diễn',
  sensitivityTiers: 'Mức nhạy cảm',
  tier: 'Mức',
  meaning: 'Ý nghĩa',
  services: 'Danh sách dịch vụ trao đổi',
  entity: 'Thực thể',
  provider: 'Bên cung cấp',
  topic: 'Chủ đề (topic)',
  keySubject: 'Subject của khóa',
  valueSubject: 'Subject của giá trị',
  namespace: 'Không gian tên Avro',
  key: 'Khóa',
  fields: 'Trường dữ liệu',
  number: 'STT',
  field: 'Trường',
  type: 'Kiểu',
  nullable: 'Cho phép rỗng',
  sensitivity: 'Mức nhạy cảm',
  descriptionVi: 'Mô tả',
  descriptionEn: 'Mô tả tiếng Anh',
  yes: 'Có',
  no: 'Không',
  codeLists: 'Bảng mã',
  code: 'Mã',
  label: 'Ý nghĩa',
  jsonKeys: 'Khóa JSON theo loại',
  group: 'Loại',
  jsonKey: 'Khóa JSON',
  fingerprint: 'Dấu vân tay lược đồ (SHA-256, dạng chuẩn Avro)',
  value: 'giá trị',
  publication: 'Công bố theo thỏa thuận',
  agreements: 'Thỏa thuận trao đổi dữ liệu đã công bố',
  agreement: 'Thỏa thuận',
  version: 'phiên bản',
  receivers: 'Bên nhận',
  dispatch: 'Công văn',
  dispatchNumber: 'số',
  dispatchDate: 'ngày',
  period: 'Thời hạn',
  periodFrom: 'từ',
  periodTo: 'đến trước',
  partnerStore: 'Nơi nhận dữ liệu',
  partnerDatabase: 'CSDL',
  partnerSchema: 'lược đồ',
  method: 'Phương thức',
  scope: 'phạm vi',
  initialSnapshot: 'gửi dữ liệu hiện có khi bắt đầu',
  purposes: 'Mục đích sử dụng',
  retention: 'Lưu trữ sau trao đổi',
  deletion: 'Xóa dữ liệu',
  filter: 'Điều kiện lọc bản ghi',
  sharedFields: 'Trường được chia sẻ',
  sharedOf: 'trường của hợp đồng',
  projectedFingerprint: 'Dấu vân tay lược đồ trên chủ đề này (SHA-256, dạng chuẩn Avro)',
  heldBy: 'Có trong CSDL của',
  noAgreements: 'Chưa có thỏa thuận nào được công bố: không dữ liệu nào được trao đổi.',
  notShared: 'Không thỏa thuận nào chia sẻ thực thể này: không dữ liệu nào của nó được công bố.',
  unpublished: 'Thực thể không được chia sẻ theo thỏa thuận nào (không được công bố)',
} as const;

/** Vietnamese words for agreement codes; a code without one is shown as it is. */
export const AGREEMENT_CODE_LABELS: Readonly<Record<string, string>> = {
  official_letter: 'công văn giao liên',
  internal_fax: 'fax nội bộ',
  full: 'toàn bộ',
  partial: 'một phần (có lọc)',
};

export function agreementCodeLabel(code: string): string {
  return AGREEMENT_CODE_LABELS[code] ?? code;
}
