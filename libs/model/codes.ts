/**
 * Code lists of the THAHS model (DOMAIN.md §3 plus the few enumerations §2 names inline), with the
 * Vietnamese labels operators read. Codes are what the columns and the Avro enums carry; every list
 * ends with UNKNOWN so a sender can always say "not known" without inventing a value.
 *
 * The migrations spell the same lists out as CHECK constraints (frozen SQL); the model test compares
 * the constraints in a migrated database with these lists, so the two cannot drift apart silently.
 */
export type CodeList = Readonly<Record<string, string>>;

const UNKNOWN = 'Không rõ';

export const MINISTRY_CODES = { CAND: 'Bộ Công an', QDND: 'Bộ Quốc phòng' } as const;

export const SEX = { M: 'Nam', F: 'Nữ', X: 'Chưa xác định rõ giới tính', UNKNOWN } as const;

export const DOB_PRECISION = { DAY: 'Đủ ngày, tháng, năm', YEAR: 'Chỉ rõ năm sinh', UNKNOWN } as const;

export const PENALTY_KIND = {
  CANH_CAO: 'Cảnh cáo',
  PHAT_TIEN: 'Phạt tiền',
  CAI_TAO_KGG: 'Cải tạo không giam giữ',
  TRUC_XUAT: 'Trục xuất',
  TU_CO_THOI_HAN: 'Tù có thời hạn',
  TU_CHUNG_THAN: 'Tù chung thân',
  TU_HINH: 'Tử hình',
  CAM_DAM_NHIEM_CHUC_VU: 'Cấm đảm nhiệm chức vụ, cấm hành nghề hoặc làm công việc nhất định',
  CAM_CU_TRU: 'Cấm cư trú',
  QUAN_CHE: 'Quản chế',
  TUOC_QUYEN_CONG_DAN: 'Tước một số quyền công dân',
  TICH_THU_TAI_SAN: 'Tịch thu tài sản',
  DINH_CHI_CO_THOI_HAN: 'Đình chỉ hoạt động có thời hạn',
  DINH_CHI_VINH_VIEN: 'Đình chỉ hoạt động vĩnh viễn',
  CAM_KINH_DOANH: 'Cấm kinh doanh, cấm hoạt động trong một số lĩnh vực',
  CAM_HUY_DONG_VON: 'Cấm huy động vốn',
  UNKNOWN,
} as const;

export const JUDICIAL_MEASURE_KIND = {
  TICH_THU_VAT_TIEN: 'Tịch thu vật, tiền trực tiếp liên quan đến tội phạm',
  TRA_LAI_BOI_THUONG: 'Trả lại tài sản, sửa chữa hoặc bồi thường thiệt hại',
  XIN_LOI_CONG_KHAI: 'Buộc công khai xin lỗi',
  BAT_BUOC_CHUA_BENH: 'Bắt buộc chữa bệnh',
  KHOI_PHUC_TINH_TRANG: 'Khôi phục lại tình trạng ban đầu',
  KHAC_PHUC_HAU_QUA: 'Biện pháp khắc phục, ngăn chặn hậu quả',
  GIAO_DUC_TRUONG_GIAO_DUONG: 'Giáo dục tại trường giáo dưỡng',
  UNKNOWN,
} as const;

export const UNIT_KIND = {
  CQ_QL_THAHS_BCA: 'Cơ quan quản lý thi hành án hình sự thuộc Bộ Công an',
  CQ_QL_THAHS_BQP: 'Cơ quan quản lý thi hành án hình sự thuộc Bộ Quốc phòng',
  TRAI_GIAM: 'Trại giam',
  TRAI_TAM_GIAM: 'Trại tạm giam',
  NHA_TAM_GIU: 'Nhà tạm giữ',
  CQ_THAHS_CA_TINH: 'Cơ quan thi hành án hình sự Công an cấp tỉnh',
  CQ_THAHS_CA_HUYEN: 'Cơ quan thi hành án hình sự Công an cấp huyện (trước 2025)',
  CQ_THAHS_QUAN_KHU: 'Cơ quan thi hành án hình sự cấp quân khu',
  CONG_AN_XA: 'Công an cấp xã',
  UBND_XA: 'Ủy ban nhân dân cấp xã',
  DON_VI_QUAN_DOI: 'Đơn vị quân đội',
  TRUONG_GIAO_DUONG: 'Trường giáo dưỡng',
  CO_SO_CHUA_BENH: 'Cơ sở bắt buộc chữa bệnh',
  UNKNOWN,
} as const;

export const COURT_KIND = {
  TANDTC: 'Tòa án nhân dân tối cao',
  TAND_TINH: 'Tòa án nhân dân cấp tỉnh',
  TAND_KHU_VUC: 'Tòa án nhân dân khu vực',
  TAND_CAP_CAO: 'Tòa án nhân dân cấp cao (trước 1/7/2025)',
  TAND_HUYEN: 'Tòa án nhân dân cấp huyện (trước 1/7/2025)',
  TAQS_TRUNG_UONG: 'Tòa án quân sự trung ương',
  TAQS_QUAN_KHU: 'Tòa án quân sự quân khu và tương đương',
  TAQS_KHU_VUC: 'Tòa án quân sự khu vực',
  UNKNOWN,
} as const;

export const INSTANCE = {
  SO_THAM: 'Sơ thẩm',
  PHUC_THAM: 'Phúc thẩm',
  GIAM_DOC_THAM: 'Giám đốc thẩm',
  TAI_THAM: 'Tái thẩm',
  UNKNOWN,
} as const;

export const EVENT_TYPE = {
  ADMISSION: 'Tiếp nhận',
  TRANSFER: 'Điều chuyển',
  EXTRACTION_OUT: 'Trích xuất',
  EXTRACTION_RETURN: 'Trả về sau trích xuất',
  ESCAPE: 'Bỏ trốn',
  RECAPTURE: 'Bắt lại',
  SURRENDER: 'Đầu thú',
  DEATH: 'Chết',
  CONDUCT_RATING: 'Xếp loại chấp hành án',
  DISCIPLINE: 'Kỷ luật',
  SENTENCE_REDUCTION: 'Giảm thời hạn chấp hành án',
  POSTPONEMENT: 'Hoãn chấp hành án',
  SUSPENSION: 'Tạm đình chỉ chấp hành án',
  RESUMPTION: 'Tiếp tục chấp hành án',
  PAROLE: 'Tha tù trước thời hạn có điều kiện',
  PROBATION_SHORTENED: 'Rút ngắn thời gian thử thách',
  PAROLE_REVOKED: 'Hủy quyết định tha tù trước thời hạn có điều kiện',
  AMNESTY: 'Đặc xá',
  RELEASE: 'Trả tự do',
  DEATH_SENTENCE_COUNCIL: 'Thành lập Hội đồng thi hành án tử hình',
  DEATH_SENTENCE_POSTPONED: 'Hoãn thi hành án tử hình',
  DEATH_SENTENCE_COMMUTED: 'Chuyển hình phạt tử hình thành tù chung thân',
  DEATH_SENTENCE_EXECUTED: 'Đã thi hành án tử hình',
  SUPERVISION_START: 'Bắt đầu giám sát, giáo dục',
  SUPERVISION_VIOLATION: 'Vi phạm nghĩa vụ',
  RESIDENCE_CHANGE: 'Thay đổi nơi cư trú',
  SUPERVISION_END: 'Kết thúc giám sát, giáo dục',
  COERCIVE_MEASURE: 'Biện pháp cưỡng chế',
  LEGAL_PERSON_SUCCESSION: 'Pháp nhân kế thừa chấp hành án',
  CASE_HANDOVER: 'Bàn giao hồ sơ',
  CASE_TERMINATED: 'Đình chỉ thi hành án',
  UNKNOWN,
} as const;

export const CASE_STATUS = {
  CHO_THI_HANH: 'Chờ thi hành',
  DANG_THI_HANH: 'Đang thi hành',
  HOAN: 'Hoãn chấp hành án',
  TAM_DINH_CHI: 'Tạm đình chỉ chấp hành án',
  TRON: 'Bỏ trốn, đang truy nã',
  THA_CO_DIEU_KIEN: 'Đang tha tù trước thời hạn có điều kiện',
  DA_CHAP_HANH_XONG: 'Đã chấp hành xong',
  DINH_CHI: 'Đình chỉ thi hành án',
  DA_CHUYEN_GIAO: 'Đã chuyển giao',
  UNKNOWN,
} as const;

export const MILITARY_REGION = {
  QK1: 'Quân khu 1',
  QK2: 'Quân khu 2',
  QK3: 'Quân khu 3',
  QK4: 'Quân khu 4',
  QK5: 'Quân khu 5',
  QK7: 'Quân khu 7',
  QK9: 'Quân khu 9',
  BTL_THU_DO: 'Bộ Tư lệnh Thủ đô Hà Nội',
  QC_HAI_QUAN: 'Quân chủng Hải quân',
  UNKNOWN,
} as const;

export const SUPERVISING_KIND = {
  UBND_XA: 'Ủy ban nhân dân cấp xã',
  DON_VI_QUAN_DOI: 'Đơn vị quân đội',
  CO_QUAN_TO_CHUC: 'Cơ quan, tổ chức',
  CONG_AN_XA: 'Công an cấp xã',
  UNKNOWN,
} as const;

export const LEGAL_PERSON_STATUS = {
  HOAT_DONG: 'Đang hoạt động',
  HOP_NHAT: 'Hợp nhất',
  SAP_NHAP: 'Sáp nhập',
  GIAI_THE: 'Giải thể',
  PHA_SAN: 'Phá sản',
  UNKNOWN,
} as const;

export const CLOSURE_REASON = {
  HET_HAN: 'Chấp hành xong thời hạn',
  DAC_XA: 'Đặc xá',
  THA_TRUOC_THOI_HAN: 'Tha tù trước thời hạn',
  MIEN_CHAP_HANH: 'Miễn chấp hành án',
  CHET: 'Chết',
  THI_HANH_AN_TU_HINH: 'Đã thi hành án tử hình',
  PNTM_GIAI_THE_PHA_SAN: 'Pháp nhân thương mại giải thể, phá sản',
  KHAC: 'Lý do khác',
  UNKNOWN,
} as const;

export const DEATH_CAUSE = { BENH: 'Bệnh', TU_SAT: 'Tự sát', TAI_NAN: 'Tai nạn', KHAC: 'Nguyên nhân khác', UNKNOWN } as const;

export const CONDUCT_RATING = { TOT: 'Tốt', KHA: 'Khá', TRUNG_BINH: 'Trung bình', KEM: 'Kém', UNKNOWN } as const;

export const RATING_PERIOD = { QUARTER: 'Quý', HALF_YEAR: '6 tháng', YEAR: 'Năm', UNKNOWN } as const;

export const COERCIVE_MEASURE = {
  PHONG_TOA_TAI_KHOAN: 'Phong tỏa tài khoản',
  KE_BIEN_TAI_SAN: 'Kê biên tài sản',
  TAM_GIU_TAI_LIEU_CON_DAU: 'Tạm giữ tài liệu, con dấu',
  UNKNOWN,
} as const;

export const EXECUTION_DECISION_KIND = {
  IMPRISONMENT: 'Thi hành án phạt tù',
  DEATH: 'Thi hành án tử hình',
  COMMUNITY: 'Thi hành án tại cộng đồng',
  LEGAL_PERSON: 'Thi hành án đối với pháp nhân thương mại',
  JUDICIAL_MEASURE: 'Thi hành biện pháp tư pháp',
  UNKNOWN,
} as const;

export const CASE_TYPE = {
  CUSTODIAL: 'Án phạt tù',
  DEATH: 'Án tử hình',
  COMMUNITY: 'Thi hành án tại cộng đồng',
  LEGAL_PERSON: 'Pháp nhân thương mại',
  JUDICIAL_MEASURE: 'Biện pháp tư pháp',
  EXPULSION: 'Trục xuất',
  UNKNOWN,
} as const;

export const MONETARY_OBLIGATION_KIND = {
  FINE: 'Tiền phạt',
  COURT_FEE: 'Án phí',
  COMPENSATION: 'Bồi thường thiệt hại',
  CONFISCATION: 'Tịch thu, sung công',
  UNKNOWN,
} as const;

export type MinistryCode = keyof typeof MINISTRY_CODES;
export type Sex = keyof typeof SEX;
export type DobPrecision = keyof typeof DOB_PRECISION;
export type PenaltyKind = keyof typeof PENALTY_KIND;
export type JudicialMeasureKind = keyof typeof JUDICIAL_MEASURE_KIND;
export type UnitKind = keyof typeof UNIT_KIND;
export type CourtKind = keyof typeof COURT_KIND;
export type Instance = keyof typeof INSTANCE;
export type EventType = keyof typeof EVENT_TYPE;
export type CaseStatus = keyof typeof CASE_STATUS;
export type MilitaryRegion = keyof typeof MILITARY_REGION;
export type SupervisingKind = keyof typeof SUPERVISING_KIND;
export type LegalPersonStatus = keyof typeof LEGAL_PERSON_STATUS;
export type ClosureReason = keyof typeof CLOSURE_REASON;
export type DeathCause = keyof typeof DEATH_CAUSE;
export type ConductRating = keyof typeof CONDUCT_RATING;
export type RatingPeriod = keyof typeof RATING_PERIOD;
export type CoerciveMeasure = keyof typeof COERCIVE_MEASURE;
export type ExecutionDecisionKind = keyof typeof EXECUTION_DECISION_KIND;
export type CaseType = keyof typeof CASE_TYPE;
export type MonetaryObligationKind = keyof typeof MONETARY_OBLIGATION_KIND;

/**
 * Which code list constrains which column. The CHECK constraint on such a column is named
 * `<table>_<column>_code`.
 */
export const COLUMN_CODE_LISTS: Readonly<Record<string, Readonly<Record<string, CodeList>>>> = {
  org_unit: { unit_kind: UNIT_KIND, military_region: MILITARY_REGION },
  court: { court_kind: COURT_KIND, military_region: MILITARY_REGION },
  person: { sex: SEX, dob_precision: DOB_PRECISION },
  legal_person: { status: LEGAL_PERSON_STATUS },
  judgment: { instance: INSTANCE },
  conviction: {},
  conviction_offence: {},
  execution_decision: { kind: EXECUTION_DECISION_KIND },
  penalty: { penalty_kind: PENALTY_KIND, supervising_kind: SUPERVISING_KIND },
  judicial_measure: { measure_kind: JUDICIAL_MEASURE_KIND, status: CASE_STATUS },
  monetary_obligation: { kind: MONETARY_OBLIGATION_KIND },
  enforcement_case: { case_type: CASE_TYPE, status: CASE_STATUS, closure_reason: CLOSURE_REASON },
  custody_placement: {},
  enforcement_event: { event_type: EVENT_TYPE },
  community_supervision: { supervising_kind: SUPERVISING_KIND },
  legal_person_enforcement: {},
};
