import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ministry's own THAHS tables (DOMAIN.md §2) in schema `thahs`. Frozen SQL: a later change is a new
 * migration, never an edit here, so every database that ran this one has exactly these objects.
 *
 * Conventions every table follows:
 * - `id` is the Kafka key; `ministry` says whose record it is; `reporting_unit_id` is the unit that
 *   collected and reported it (draft circular Art. 18); `created_at`/`updated_at`/`row_version` are kept
 *   by the touch trigger on UPDATE, while bulk loads (COPY) set them explicitly.
 * - Code columns are text with a CHECK `<table>_<column>_code` listing the codes of libs/model/codes.ts;
 *   other rules are named `<table>_<rule>` so a rejected row names the rule it broke.
 * - Foreign keys are NO ACTION: a subtree is removed child first, so each removed row is its own
 *   change event downstream instead of an implicit cascade.
 * - Foreign keys to org_unit through `reporting_unit_id` have no index: units are retired with
 *   `valid_to`, never deleted, so nothing needs to look rows up by them.
 * - REPLICA IDENTITY stays DEFAULT (the primary key): every row carries its whole state and a
 *   row_version, so consumers apply full rows and deletes need only the key.
 */
export class CreateOwnModel1795737600000 implements MigrationInterface {
  name = 'CreateOwnModel1795737600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA thahs`);
    await q.query(`CREATE FUNCTION thahs.touch_row() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.updated_at := now();
        NEW.row_version := OLD.row_version + 1;
        RETURN NEW;
      END
    $$`);

    // Agencies, facilities and supervising bodies (đơn vị)
    await q.query(`CREATE TABLE thahs.org_unit (
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      ministry text NOT NULL,
      reporting_unit_id uuid,
      unit_code text NOT NULL,
      name text NOT NULL,
      unit_kind text NOT NULL,
      parent_unit_id uuid,
      province_code text,
      military_region text,
      valid_from date NOT NULL,
      valid_to date,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      row_version integer NOT NULL DEFAULT 1,
      CONSTRAINT org_unit_pkey PRIMARY KEY (id),
      CONSTRAINT org_unit_ministry_code CHECK (ministry IN ('CAND', 'QDND')),
      CONSTRAINT org_unit_unit_kind_code CHECK (unit_kind IN ('CQ_QL_THAHS_BCA', 'CQ_QL_THAHS_BQP', 'TRAI_GIAM', 'TRAI_TAM_GIAM', 'NHA_TAM_GIU', 'CQ_THAHS_CA_TINH', 'CQ_THAHS_CA_HUYEN', 'CQ_THAHS_QUAN_KHU', 'CONG_AN_XA', 'UBND_XA', 'DON_VI_QUAN_DOI', 'TRUONG_GIAO_DUONG', 'CO_SO_CHUA_BENH', 'UNKNOWN')),
      CONSTRAINT org_unit_military_region_code CHECK (military_region IN ('QK1', 'QK2', 'QK3', 'QK4', 'QK5', 'QK7', 'QK9', 'BTL_THU_DO', 'QC_HAI_QUAN', 'UNKNOWN')),
      CONSTRAINT org_unit_province_code_format CHECK (province_code ~ '^[0-9]{3}$'),
      CONSTRAINT org_unit_validity_order CHECK (valid_to IS NULL OR valid_to >= valid_from),
      CONSTRAINT org_unit_unit_code_key UNIQUE (unit_code),
      CONSTRAINT org_unit_reporting_unit_id_fk FOREIGN KEY (reporting_unit_id) REFERENCES thahs.org_unit (id),
      CONSTRAINT org_unit_parent_unit_id_fk FOREIGN KEY (parent_unit_id) REFERENCES thahs.org_unit (id)
    )`);
    await q.query(`CREATE TRIGGER org_unit_touch BEFORE UPDATE ON thahs.org_unit FOR EACH ROW EXECUTE FUNCTION thahs.touch_row()`);

    // Courts (tòa án), civil and military
    await q.query(`CREATE TABLE thahs.court (
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      ministry text NOT NULL,
      reporting_unit_id uuid,
      court_code text NOT NULL,
      name text NOT NULL,
      court_kind text NOT NULL,
      province_code text,
      military_region text,
      valid_to date,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      row_version integer NOT NULL DEFAULT 1,
      CONSTRAINT court_pkey PRIMARY KEY (id),
      CONSTRAINT court_ministry_code CHECK (ministry IN ('CAND', 'QDND')),
      CONSTRAINT court_court_kind_code CHECK (court_kind IN ('TANDTC', 'TAND_TINH', 'TAND_KHU_VUC', 'TAND_CAP_CAO', 'TAND_HUYEN', 'TAQS_TRUNG_UONG', 'TAQS_QUAN_KHU', 'TAQS_KHU_VUC', 'UNKNOWN')),
      CONSTRAINT court_military_region_code CHECK (military_region IN ('QK1', 'QK2', 'QK3', 'QK4', 'QK5', 'QK7', 'QK9', 'BTL_THU_DO', 'QC_HAI_QUAN', 'UNKNOWN')),
      CONSTRAINT court_province_code_format CHECK (province_code ~ '^[0-9]{3}$'),
      CONSTRAINT court_court_code_key UNIQUE (court_code),
      CONSTRAINT court_reporting_unit_id_fk FOREIGN KEY (reporting_unit_id) REFERENCES thahs.org_unit (id)
    )`);
    await q.query(`CREATE TRIGGER court_touch BEFORE UPDATE ON thahs.court FOR EACH ROW EXECUTE FUNCTION thahs.touch_row()`);

    // Persons serving sentences (người chấp hành án)
    await q.query(`CREATE TABLE thahs.person (
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      ministry text NOT NULL,
      reporting_unit_id uuid,
      national_id char(12),
      passport_no text,
      full_name text NOT NULL,
      other_names text,
      date_of_birth date NOT NULL,
      dob_precision text NOT NULL DEFAULT 'DAY',
      sex text NOT NULL,
      place_of_birth text,
      hometown text,
      permanent_address text,
      temporary_address text,
      current_address text,
      residence_province_code text,
      residence_commune text,
      nationality char(2) NOT NULL DEFAULT 'VN',
      ethnicity text,
      religion text,
      occupation text,
      education_level text,
      father_name text,
      mother_name text,
      spouse_name text,
      is_military boolean NOT NULL DEFAULT false,
      military_rank text,
      military_unit_id uuid,
      photo_ref text,
      fingerprint_card_ref text,
      biometric_refs jsonb,
      prior_convictions integer,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      row_version integer NOT NULL DEFAULT 1,
      CONSTRAINT person_pkey PRIMARY KEY (id),
      CONSTRAINT person_ministry_code CHECK (ministry IN ('CAND', 'QDND')),
      CONSTRAINT person_sex_code CHECK (sex IN ('M', 'F', 'X', 'UNKNOWN')),
      CONSTRAINT person_dob_precision_code CHECK (dob_precision IN ('DAY', 'YEAR', 'UNKNOWN')),
      CONSTRAINT person_national_id_format CHECK (national_id ~ '^[0-9]{12}$' AND substr(national_id, 4, 1) IN ('0', '1', '2', '3')),
      CONSTRAINT person_national_id_matches_birth CHECK (national_id IS NULL OR (
      substr(national_id, 5, 2)::integer = extract(year FROM date_of_birth)::integer % 100
      AND (substr(national_id, 4, 1) IN ('0', '1')) = (date_of_birth < DATE '2000-01-01')
      AND (sex NOT IN ('M', 'F') OR (substr(national_id, 4, 1) IN ('0', '2')) = (sex = 'M')))),
      CONSTRAINT person_nationality_format CHECK (nationality ~ '^[A-Z]{2}$'),
      CONSTRAINT person_residence_province_code_format CHECK (residence_province_code ~ '^[0-9]{3}$'),
      CONSTRAINT person_biometric_refs_object CHECK (jsonb_typeof(biometric_refs) = 'object'),
      CONSTRAINT person_prior_convictions_nonnegative CHECK (prior_convictions >= 0),
      CONSTRAINT person_national_id_key UNIQUE (national_id),
      CONSTRAINT person_reporting_unit_id_fk FOREIGN KEY (reporting_unit_id) REFERENCES thahs.org_unit (id),
      CONSTRAINT person_military_unit_id_fk FOREIGN KEY (military_unit_id) REFERENCES thahs.org_unit (id)
    )`);
    await q.query(`CREATE TRIGGER person_touch BEFORE UPDATE ON thahs.person FOR EACH ROW EXECUTE FUNCTION thahs.touch_row()`);

    // Commercial legal persons (pháp nhân thương mại)
    await q.query(`CREATE TABLE thahs.legal_person (
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      ministry text NOT NULL,
      reporting_unit_id uuid,
      enterprise_code text NOT NULL,
      name text NOT NULL,
      head_office_address text NOT NULL,
      province_code text NOT NULL,
      legal_rep_name text NOT NULL,
      legal_rep_national_id char(12),
      legal_rep_title text,
      state_mgmt_agency text,
      status text NOT NULL,
      successor_legal_person_id uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      row_version integer NOT NULL DEFAULT 1,
      CONSTRAINT legal_person_pkey PRIMARY KEY (id),
      CONSTRAINT legal_person_ministry_code CHECK (ministry IN ('CAND', 'QDND')),
      CONSTRAINT legal_person_status_code CHECK (status IN ('HOAT_DONG', 'HOP_NHAT', 'SAP_NHAP', 'GIAI_THE', 'PHA_SAN', 'UNKNOWN')),
      CONSTRAINT legal_person_enterprise_code_format CHECK (enterprise_code ~ '^[0-9]{10}(-[0-9]{3})?$'),
      CONSTRAINT legal_person_province_code_format CHECK (province_code ~ '^[0-9]{3}$'),
      CONSTRAINT legal_person_legal_rep_national_id_format CHECK (legal_rep_national_id ~ '^[0-9]{12}$' AND substr(legal_rep_national_id, 4, 1) IN ('0', '1', '2', '3')),
      CONSTRAINT legal_person_not_own_successor CHECK (successor_legal_person_id <> id),
      CONSTRAINT legal_person_enterprise_code_key UNIQUE (enterprise_code),
      CONSTRAINT legal_person_reporting_unit_id_fk FOREIGN KEY (reporting_unit_id) REFERENCES thahs.org_unit (id),
      CONSTRAINT legal_person_successor_legal_person_id_fk FOREIGN KEY (successor_legal_person_id) REFERENCES thahs.legal_person (id)
    )`);
    await q.query(`CREATE TRIGGER legal_person_touch BEFORE UPDATE ON thahs.legal_person FOR EACH ROW EXECUTE FUNCTION thahs.touch_row()`);

    // Judgments and decisions (bản án, quyết định)
    await q.query(`CREATE TABLE thahs.judgment (
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      ministry text NOT NULL,
      reporting_unit_id uuid,
      judgment_no text NOT NULL,
      judgment_date date NOT NULL,
      court_id uuid NOT NULL,
      instance text NOT NULL,
      effective_date date,
      immediately_enforceable boolean NOT NULL DEFAULT false,
      court_fee_vnd numeric(18,0),
      civil_obligation_vnd numeric(18,0),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      row_version integer NOT NULL DEFAULT 1,
      CONSTRAINT judgment_pkey PRIMARY KEY (id),
      CONSTRAINT judgment_ministry_code CHECK (ministry IN ('CAND', 'QDND')),
      CONSTRAINT judgment_instance_code CHECK (instance IN ('SO_THAM', 'PHUC_THAM', 'GIAM_DOC_THAM', 'TAI_THAM', 'UNKNOWN')),
      CONSTRAINT judgment_amounts_nonnegative CHECK (court_fee_vnd >= 0 AND civil_obligation_vnd >= 0),
      CONSTRAINT judgment_effective_not_before_judgment CHECK (effective_date >= judgment_date),
      CONSTRAINT judgment_court_no_date_key UNIQUE (court_id, judgment_no, judgment_date),
      CONSTRAINT judgment_reporting_unit_id_fk FOREIGN KEY (reporting_unit_id) REFERENCES thahs.org_unit (id),
      CONSTRAINT judgment_court_id_fk FOREIGN KEY (court_id) REFERENCES thahs.court (id)
    )`);
    await q.query(`CREATE TRIGGER judgment_touch BEFORE UPDATE ON thahs.judgment FOR EACH ROW EXECUTE FUNCTION thahs.touch_row()`);

    // One convicted subject in a judgment
    await q.query(`CREATE TABLE thahs.conviction (
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      ministry text NOT NULL,
      reporting_unit_id uuid,
      judgment_id uuid NOT NULL,
      person_id uuid,
      legal_person_id uuid,
      aggregate_term_months integer,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      row_version integer NOT NULL DEFAULT 1,
      CONSTRAINT conviction_pkey PRIMARY KEY (id),
      CONSTRAINT conviction_ministry_code CHECK (ministry IN ('CAND', 'QDND')),
      CONSTRAINT conviction_one_subject CHECK ((person_id IS NULL) <> (legal_person_id IS NULL)),
      CONSTRAINT conviction_aggregate_term_range CHECK (aggregate_term_months BETWEEN 0 AND 360),
      CONSTRAINT conviction_reporting_unit_id_fk FOREIGN KEY (reporting_unit_id) REFERENCES thahs.org_unit (id),
      CONSTRAINT conviction_judgment_id_fk FOREIGN KEY (judgment_id) REFERENCES thahs.judgment (id),
      CONSTRAINT conviction_person_id_fk FOREIGN KEY (person_id) REFERENCES thahs.person (id),
      CONSTRAINT conviction_legal_person_id_fk FOREIGN KEY (legal_person_id) REFERENCES thahs.legal_person (id)
    )`);
    await q.query(`CREATE INDEX conviction_judgment_id_idx ON thahs.conviction (judgment_id)`);
    await q.query(`CREATE INDEX conviction_person_id_idx ON thahs.conviction (person_id)`);
    await q.query(`CREATE INDEX conviction_legal_person_id_idx ON thahs.conviction (legal_person_id)`);
    await q.query(`CREATE TRIGGER conviction_touch BEFORE UPDATE ON thahs.conviction FOR EACH ROW EXECUTE FUNCTION thahs.touch_row()`);

    // Offences (Penal Code articles) of a conviction
    await q.query(`CREATE TABLE thahs.conviction_offence (
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      ministry text NOT NULL,
      reporting_unit_id uuid,
      conviction_id uuid NOT NULL,
      code_article integer NOT NULL,
      clause integer,
      point text,
      offence_name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      row_version integer NOT NULL DEFAULT 1,
      CONSTRAINT conviction_offence_pkey PRIMARY KEY (id),
      CONSTRAINT conviction_offence_ministry_code CHECK (ministry IN ('CAND', 'QDND')),
      CONSTRAINT conviction_offence_code_article_range CHECK (code_article BETWEEN 1 AND 426),
      CONSTRAINT conviction_offence_clause_range CHECK (clause BETWEEN 1 AND 9),
      CONSTRAINT conviction_offence_point_format CHECK (point ~ '^[a-zđ]$'),
      CONSTRAINT conviction_offence_reporting_unit_id_fk FOREIGN KEY (reporting_unit_id) REFERENCES thahs.org_unit (id),
      CONSTRAINT conviction_offence_conviction_id_fk FOREIGN KEY (conviction_id) REFERENCES thahs.conviction (id)
    )`);
    await q.query(`CREATE INDEX conviction_offence_conviction_id_idx ON thahs.conviction_offence (conviction_id)`);
    await q.query(`CREATE TRIGGER conviction_offence_touch BEFORE UPDATE ON thahs.conviction_offence FOR EACH ROW EXECUTE FUNCTION thahs.touch_row()`);

    // Execution decisions (quyết định thi hành án)
    await q.query(`CREATE TABLE thahs.execution_decision (
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      ministry text NOT NULL,
      reporting_unit_id uuid,
      decision_no text NOT NULL,
      decision_date date NOT NULL,
      court_id uuid NOT NULL,
      issuer_name text NOT NULL,
      issuer_title text NOT NULL,
      conviction_id uuid NOT NULL,
      executing_unit_id uuid NOT NULL,
      report_deadline date,
      kind text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      row_version integer NOT NULL DEFAULT 1,
      CONSTRAINT execution_decision_pkey PRIMARY KEY (id),
      CONSTRAINT execution_decision_ministry_code CHECK (ministry IN ('CAND', 'QDND')),
      CONSTRAINT execution_decision_kind_code CHECK (kind IN ('IMPRISONMENT', 'DEATH', 'COMMUNITY', 'LEGAL_PERSON', 'JUDICIAL_MEASURE', 'UNKNOWN')),
      CONSTRAINT execution_decision_report_deadline_order CHECK (report_deadline >= decision_date),
      CONSTRAINT execution_decision_court_no_date_key UNIQUE (court_id, decision_no, decision_date),
      CONSTRAINT execution_decision_reporting_unit_id_fk FOREIGN KEY (reporting_unit_id) REFERENCES thahs.org_unit (id),
      CONSTRAINT execution_decision_court_id_fk FOREIGN KEY (court_id) REFERENCES thahs.court (id),
      CONSTRAINT execution_decision_conviction_id_fk FOREIGN KEY (conviction_id) REFERENCES thahs.conviction (id),
      CONSTRAINT execution_decision_executing_unit_id_fk FOREIGN KEY (executing_unit_id) REFERENCES thahs.org_unit (id)
    )`);
    await q.query(`CREATE INDEX execution_decision_conviction_id_idx ON thahs.execution_decision (conviction_id)`);
    await q.query(`CREATE TRIGGER execution_decision_touch BEFORE UPDATE ON thahs.execution_decision FOR EACH ROW EXECUTE FUNCTION thahs.touch_row()`);

    // Penalties (hình phạt), main and additional
    await q.query(`CREATE TABLE thahs.penalty (
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      ministry text NOT NULL,
      reporting_unit_id uuid,
      conviction_id uuid NOT NULL,
      penalty_kind text NOT NULL,
      is_main boolean NOT NULL,
      term_years integer,
      term_months integer,
      term_days integer,
      is_life boolean NOT NULL DEFAULT false,
      amount_vnd numeric(18,0),
      suspended boolean NOT NULL DEFAULT false,
      probation_months integer,
      supervising_kind text,
      supervising_unit_id uuid,
      scope text,
      start_date date,
      expected_end_date date,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      row_version integer NOT NULL DEFAULT 1,
      CONSTRAINT penalty_pkey PRIMARY KEY (id),
      CONSTRAINT penalty_ministry_code CHECK (ministry IN ('CAND', 'QDND')),
      CONSTRAINT penalty_penalty_kind_code CHECK (penalty_kind IN ('CANH_CAO', 'PHAT_TIEN', 'CAI_TAO_KGG', 'TRUC_XUAT', 'TU_CO_THOI_HAN', 'TU_CHUNG_THAN', 'TU_HINH', 'CAM_DAM_NHIEM_CHUC_VU', 'CAM_CU_TRU', 'QUAN_CHE', 'TUOC_QUYEN_CONG_DAN', 'TICH_THU_TAI_SAN', 'DINH_CHI_CO_THOI_HAN', 'DINH_CHI_VINH_VIEN', 'CAM_KINH_DOANH', 'CAM_HUY_DONG_VON', 'UNKNOWN')),
      CONSTRAINT penalty_supervising_kind_code CHECK (supervising_kind IN ('UBND_XA', 'DON_VI_QUAN_DOI', 'CO_QUAN_TO_CHUC', 'CONG_AN_XA', 'UNKNOWN')),
      CONSTRAINT penalty_term_range CHECK (term_years BETWEEN 0 AND 30 AND term_months BETWEEN 0 AND 360 AND term_days BETWEEN 0 AND 366),
      CONSTRAINT penalty_amount_nonnegative CHECK (amount_vnd >= 0),
      CONSTRAINT penalty_probation_range CHECK (probation_months BETWEEN 1 AND 60),
      CONSTRAINT penalty_life_kind CHECK (NOT is_life OR penalty_kind = 'TU_CHUNG_THAN'),
      CONSTRAINT penalty_end_not_before_start CHECK (expected_end_date >= start_date),
      CONSTRAINT penalty_reporting_unit_id_fk FOREIGN KEY (reporting_unit_id) REFERENCES thahs.org_unit (id),
      CONSTRAINT penalty_conviction_id_fk FOREIGN KEY (conviction_id) REFERENCES thahs.conviction (id),
      CONSTRAINT penalty_supervising_unit_id_fk FOREIGN KEY (supervising_unit_id) REFERENCES thahs.org_unit (id)
    )`);
    await q.query(`CREATE INDEX penalty_conviction_id_idx ON thahs.penalty (conviction_id)`);
    await q.query(`CREATE TRIGGER penalty_touch BEFORE UPDATE ON thahs.penalty FOR EACH ROW EXECUTE FUNCTION thahs.touch_row()`);

    // Judicial measures (biện pháp tư pháp)
    await q.query(`CREATE TABLE thahs.judicial_measure (
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      ministry text NOT NULL,
      reporting_unit_id uuid,
      conviction_id uuid NOT NULL,
      measure_kind text NOT NULL,
      amount_vnd numeric(18,0),
      facility_unit_id uuid,
      term_months integer,
      status text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      row_version integer NOT NULL DEFAULT 1,
      CONSTRAINT judicial_measure_pkey PRIMARY KEY (id),
      CONSTRAINT judicial_measure_ministry_code CHECK (ministry IN ('CAND', 'QDND')),
      CONSTRAINT judicial_measure_measure_kind_code CHECK (measure_kind IN ('TICH_THU_VAT_TIEN', 'TRA_LAI_BOI_THUONG', 'XIN_LOI_CONG_KHAI', 'BAT_BUOC_CHUA_BENH', 'KHOI_PHUC_TINH_TRANG', 'KHAC_PHUC_HAU_QUA', 'GIAO_DUC_TRUONG_GIAO_DUONG', 'UNKNOWN')),
      CONSTRAINT judicial_measure_status_code CHECK (status IN ('CHO_THI_HANH', 'DANG_THI_HANH', 'HOAN', 'TAM_DINH_CHI', 'TRON', 'THA_CO_DIEU_KIEN', 'DA_CHAP_HANH_XONG', 'DINH_CHI', 'DA_CHUYEN_GIAO', 'UNKNOWN')),
      CONSTRAINT judicial_measure_amount_nonnegative CHECK (amount_vnd >= 0),
      CONSTRAINT judicial_measure_term_range CHECK (term_months BETWEEN 1 AND 120),
      CONSTRAINT judicial_measure_reporting_unit_id_fk FOREIGN KEY (reporting_unit_id) REFERENCES thahs.org_unit (id),
      CONSTRAINT judicial_measure_conviction_id_fk FOREIGN KEY (conviction_id) REFERENCES thahs.conviction (id),
      CONSTRAINT judicial_measure_facility_unit_id_fk FOREIGN KEY (facility_unit_id) REFERENCES thahs.org_unit (id)
    )`);
    await q.query(`CREATE INDEX judicial_measure_conviction_id_idx ON thahs.judicial_measure (conviction_id)`);
    await q.query(`CREATE TRIGGER judicial_measure_touch BEFORE UPDATE ON thahs.judicial_measure FOR EACH ROW EXECUTE FUNCTION thahs.touch_row()`);

    // Fines, court fees, compensation, confiscation owed under a conviction
    await q.query(`CREATE TABLE thahs.monetary_obligation (
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      ministry text NOT NULL,
      reporting_unit_id uuid,
      conviction_id uuid NOT NULL,
      kind text NOT NULL,
      amount_vnd numeric(18,0) NOT NULL,
      paid_vnd numeric(18,0) NOT NULL DEFAULT 0,
      settled_date date,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      row_version integer NOT NULL DEFAULT 1,
      CONSTRAINT monetary_obligation_pkey PRIMARY KEY (id),
      CONSTRAINT monetary_obligation_ministry_code CHECK (ministry IN ('CAND', 'QDND')),
      CONSTRAINT monetary_obligation_kind_code CHECK (kind IN ('FINE', 'COURT_FEE', 'COMPENSATION', 'CONFISCATION', 'UNKNOWN')),
      CONSTRAINT monetary_obligation_amounts_valid CHECK (amount_vnd >= 0 AND paid_vnd >= 0 AND paid_vnd <= amount_vnd),
      CONSTRAINT monetary_obligation_reporting_unit_id_fk FOREIGN KEY (reporting_unit_id) REFERENCES thahs.org_unit (id),
      CONSTRAINT monetary_obligation_conviction_id_fk FOREIGN KEY (conviction_id) REFERENCES thahs.conviction (id)
    )`);
    await q.query(`CREATE INDEX monetary_obligation_conviction_id_idx ON thahs.monetary_obligation (conviction_id)`);
    await q.query(`CREATE TRIGGER monetary_obligation_touch BEFORE UPDATE ON thahs.monetary_obligation FOR EACH ROW EXECUTE FUNCTION thahs.touch_row()`);

    // Enforcement dossiers (hồ sơ thi hành án)
    await q.query(`CREATE TABLE thahs.enforcement_case (
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      ministry text NOT NULL,
      reporting_unit_id uuid,
      case_no text NOT NULL,
      subject_person_id uuid,
      subject_legal_person_id uuid,
      execution_decision_id uuid NOT NULL,
      managing_unit_id uuid NOT NULL,
      case_type text NOT NULL,
      status text NOT NULL,
      opened_at timestamptz NOT NULL,
      closed_at timestamptz,
      closure_reason text,
      completion_certificate_no text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      row_version integer NOT NULL DEFAULT 1,
      CONSTRAINT enforcement_case_pkey PRIMARY KEY (id),
      CONSTRAINT enforcement_case_ministry_code CHECK (ministry IN ('CAND', 'QDND')),
      CONSTRAINT enforcement_case_case_type_code CHECK (case_type IN ('CUSTODIAL', 'DEATH', 'COMMUNITY', 'LEGAL_PERSON', 'JUDICIAL_MEASURE', 'EXPULSION', 'UNKNOWN')),
      CONSTRAINT enforcement_case_status_code CHECK (status IN ('CHO_THI_HANH', 'DANG_THI_HANH', 'HOAN', 'TAM_DINH_CHI', 'TRON', 'THA_CO_DIEU_KIEN', 'DA_CHAP_HANH_XONG', 'DINH_CHI', 'DA_CHUYEN_GIAO', 'UNKNOWN')),
      CONSTRAINT enforcement_case_closure_reason_code CHECK (closure_reason IN ('HET_HAN', 'DAC_XA', 'THA_TRUOC_THOI_HAN', 'MIEN_CHAP_HANH', 'CHET', 'THI_HANH_AN_TU_HINH', 'PNTM_GIAI_THE_PHA_SAN', 'KHAC', 'UNKNOWN')),
      CONSTRAINT enforcement_case_one_subject CHECK ((subject_person_id IS NULL) <> (subject_legal_person_id IS NULL)),
      CONSTRAINT enforcement_case_closed_after_opened CHECK (closed_at >= opened_at),
      CONSTRAINT enforcement_case_closure_reason_needs_closed CHECK (closure_reason IS NULL OR closed_at IS NOT NULL),
      CONSTRAINT enforcement_case_unit_case_no_key UNIQUE (managing_unit_id, case_no),
      CONSTRAINT enforcement_case_reporting_unit_id_fk FOREIGN KEY (reporting_unit_id) REFERENCES thahs.org_unit (id),
      CONSTRAINT enforcement_case_subject_person_id_fk FOREIGN KEY (subject_person_id) REFERENCES thahs.person (id),
      CONSTRAINT enforcement_case_subject_legal_person_id_fk FOREIGN KEY (subject_legal_person_id) REFERENCES thahs.legal_person (id),
      CONSTRAINT enforcement_case_execution_decision_id_fk FOREIGN KEY (execution_decision_id) REFERENCES thahs.execution_decision (id),
      CONSTRAINT enforcement_case_managing_unit_id_fk FOREIGN KEY (managing_unit_id) REFERENCES thahs.org_unit (id)
    )`);
    await q.query(`CREATE INDEX enforcement_case_execution_decision_id_idx ON thahs.enforcement_case (execution_decision_id)`);
    await q.query(`CREATE INDEX enforcement_case_subject_person_id_idx ON thahs.enforcement_case (subject_person_id)`);
    await q.query(`CREATE INDEX enforcement_case_subject_legal_person_id_idx ON thahs.enforcement_case (subject_legal_person_id)`);
    await q.query(`CREATE TRIGGER enforcement_case_touch BEFORE UPDATE ON thahs.enforcement_case FOR EACH ROW EXECUTE FUNCTION thahs.touch_row()`);

    // Where a person is held, period by period
    await q.query(`CREATE TABLE thahs.custody_placement (
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      ministry text NOT NULL,
      reporting_unit_id uuid,
      case_id uuid NOT NULL,
      facility_unit_id uuid NOT NULL,
      from_at timestamptz NOT NULL,
      to_at timestamptz,
      detention_group text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      row_version integer NOT NULL DEFAULT 1,
      CONSTRAINT custody_placement_pkey PRIMARY KEY (id),
      CONSTRAINT custody_placement_ministry_code CHECK (ministry IN ('CAND', 'QDND')),
      CONSTRAINT custody_placement_period_order CHECK (to_at >= from_at),
      CONSTRAINT custody_placement_reporting_unit_id_fk FOREIGN KEY (reporting_unit_id) REFERENCES thahs.org_unit (id),
      CONSTRAINT custody_placement_case_id_fk FOREIGN KEY (case_id) REFERENCES thahs.enforcement_case (id),
      CONSTRAINT custody_placement_facility_unit_id_fk FOREIGN KEY (facility_unit_id) REFERENCES thahs.org_unit (id)
    )`);
    await q.query(`CREATE INDEX custody_placement_case_id_idx ON thahs.custody_placement (case_id)`);
    await q.query(`CREATE TRIGGER custody_placement_touch BEFORE UPDATE ON thahs.custody_placement FOR EACH ROW EXECUTE FUNCTION thahs.touch_row()`);

    // Enforcement events; type-specific fields in details
    await q.query(`CREATE TABLE thahs.enforcement_event (
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      ministry text NOT NULL,
      reporting_unit_id uuid,
      case_id uuid NOT NULL,
      event_type text NOT NULL,
      event_at timestamptz NOT NULL,
      decision_no text,
      decision_date date,
      decision_authority text,
      from_unit_id uuid,
      to_unit_id uuid,
      note text,
      details jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      row_version integer NOT NULL DEFAULT 1,
      CONSTRAINT enforcement_event_pkey PRIMARY KEY (id),
      CONSTRAINT enforcement_event_ministry_code CHECK (ministry IN ('CAND', 'QDND')),
      CONSTRAINT enforcement_event_event_type_code CHECK (event_type IN ('ADMISSION', 'TRANSFER', 'EXTRACTION_OUT', 'EXTRACTION_RETURN', 'ESCAPE', 'RECAPTURE', 'SURRENDER', 'DEATH', 'CONDUCT_RATING', 'DISCIPLINE', 'SENTENCE_REDUCTION', 'POSTPONEMENT', 'SUSPENSION', 'RESUMPTION', 'PAROLE', 'PROBATION_SHORTENED', 'PAROLE_REVOKED', 'AMNESTY', 'RELEASE', 'DEATH_SENTENCE_COUNCIL', 'DEATH_SENTENCE_POSTPONED', 'DEATH_SENTENCE_COMMUTED', 'DEATH_SENTENCE_EXECUTED', 'SUPERVISION_START', 'SUPERVISION_VIOLATION', 'RESIDENCE_CHANGE', 'SUPERVISION_END', 'COERCIVE_MEASURE', 'LEGAL_PERSON_SUCCESSION', 'CASE_HANDOVER', 'CASE_TERMINATED', 'UNKNOWN')),
      CONSTRAINT enforcement_event_details_object CHECK (jsonb_typeof(details) = 'object'),
      CONSTRAINT enforcement_event_reporting_unit_id_fk FOREIGN KEY (reporting_unit_id) REFERENCES thahs.org_unit (id),
      CONSTRAINT enforcement_event_case_id_fk FOREIGN KEY (case_id) REFERENCES thahs.enforcement_case (id),
      CONSTRAINT enforcement_event_from_unit_id_fk FOREIGN KEY (from_unit_id) REFERENCES thahs.org_unit (id),
      CONSTRAINT enforcement_event_to_unit_id_fk FOREIGN KEY (to_unit_id) REFERENCES thahs.org_unit (id)
    )`);
    await q.query(`CREATE INDEX enforcement_event_case_id_event_at_idx ON thahs.enforcement_event (case_id, event_at)`);
    await q.query(`CREATE TRIGGER enforcement_event_touch BEFORE UPDATE ON thahs.enforcement_event FOR EACH ROW EXECUTE FUNCTION thahs.touch_row()`);

    // Community enforcement and its supervision (thi hành án tại cộng đồng)
    await q.query(`CREATE TABLE thahs.community_supervision (
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      ministry text NOT NULL,
      reporting_unit_id uuid,
      case_id uuid NOT NULL,
      penalty_id uuid,
      supervising_kind text NOT NULL,
      supervising_unit_id uuid NOT NULL,
      commune text NOT NULL,
      start_date date NOT NULL,
      end_date date,
      income_deduction_pct integer,
      violation_count integer NOT NULL DEFAULT 0,
      shortened_months integer,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      row_version integer NOT NULL DEFAULT 1,
      CONSTRAINT community_supervision_pkey PRIMARY KEY (id),
      CONSTRAINT community_supervision_ministry_code CHECK (ministry IN ('CAND', 'QDND')),
      CONSTRAINT community_supervision_supervising_kind_code CHECK (supervising_kind IN ('UBND_XA', 'DON_VI_QUAN_DOI', 'CO_QUAN_TO_CHUC', 'CONG_AN_XA', 'UNKNOWN')),
      CONSTRAINT community_supervision_period_order CHECK (end_date >= start_date),
      CONSTRAINT community_supervision_income_deduction_range CHECK (income_deduction_pct BETWEEN 0 AND 100),
      CONSTRAINT community_supervision_counts_nonnegative CHECK (violation_count >= 0 AND shortened_months >= 0),
      CONSTRAINT community_supervision_reporting_unit_id_fk FOREIGN KEY (reporting_unit_id) REFERENCES thahs.org_unit (id),
      CONSTRAINT community_supervision_case_id_fk FOREIGN KEY (case_id) REFERENCES thahs.enforcement_case (id),
      CONSTRAINT community_supervision_penalty_id_fk FOREIGN KEY (penalty_id) REFERENCES thahs.penalty (id),
      CONSTRAINT community_supervision_supervising_unit_id_fk FOREIGN KEY (supervising_unit_id) REFERENCES thahs.org_unit (id)
    )`);
    await q.query(`CREATE INDEX community_supervision_case_id_idx ON thahs.community_supervision (case_id)`);
    await q.query(`CREATE INDEX community_supervision_penalty_id_idx ON thahs.community_supervision (penalty_id)`);
    await q.query(`CREATE TRIGGER community_supervision_touch BEFORE UPDATE ON thahs.community_supervision FOR EACH ROW EXECUTE FUNCTION thahs.touch_row()`);

    // Enforcement against a commercial legal person
    await q.query(`CREATE TABLE thahs.legal_person_enforcement (
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      ministry text NOT NULL,
      reporting_unit_id uuid,
      case_id uuid NOT NULL,
      fine_vnd numeric(18,0),
      paid_vnd numeric(18,0),
      suspension_from date,
      suspension_to date,
      permanent_shutdown boolean NOT NULL DEFAULT false,
      banned_fields text,
      capital_raising_ban_until date,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      row_version integer NOT NULL DEFAULT 1,
      CONSTRAINT legal_person_enforcement_pkey PRIMARY KEY (id),
      CONSTRAINT legal_person_enforcement_ministry_code CHECK (ministry IN ('CAND', 'QDND')),
      CONSTRAINT legal_person_enforcement_amounts_valid CHECK (fine_vnd >= 0 AND paid_vnd >= 0 AND paid_vnd <= fine_vnd),
      CONSTRAINT legal_person_enforcement_suspension_order CHECK (suspension_to >= suspension_from),
      CONSTRAINT legal_person_enforcement_reporting_unit_id_fk FOREIGN KEY (reporting_unit_id) REFERENCES thahs.org_unit (id),
      CONSTRAINT legal_person_enforcement_case_id_fk FOREIGN KEY (case_id) REFERENCES thahs.enforcement_case (id)
    )`);
    await q.query(`CREATE INDEX legal_person_enforcement_case_id_idx ON thahs.legal_person_enforcement (case_id)`);
    await q.query(`CREATE TRIGGER legal_person_enforcement_touch BEFORE UPDATE ON thahs.legal_person_enforcement FOR EACH ROW EXECUTE FUNCTION thahs.touch_row()`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'legal_person_enforcement',
      'community_supervision',
      'enforcement_event',
      'custody_placement',
      'enforcement_case',
      'monetary_obligation',
      'judicial_measure',
      'penalty',
      'execution_decision',
      'conviction_offence',
      'conviction',
      'judgment',
      'legal_person',
      'person',
      'court',
      'org_unit',
    ]) {
      await q.query(`DROP TABLE thahs.${table}`);
    }
    await q.query(`DROP FUNCTION thahs.touch_row()`);
    await q.query(`DROP SCHEMA thahs`);
  }
}
