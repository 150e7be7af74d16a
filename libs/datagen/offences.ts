import { weighted, type WeightedTable } from './prng';

/**
 * The Penal Code 2015 offences the generator convicts people of, weighted as DOMAIN.md §5 asks (theft,
 * drugs, fraud, robbery, injury and gambling dominate civil courts; military courts add offences
 * against duties of soldiers). Each clause (khoản) carries its imprisonment range in months; the top
 * clause of some offences also allows life imprisonment or death.
 *
 * Death after 1 Jul 2025 only for offences that kept it (Law 86/2025 removed it for Arts 109, 110,
 * 114, 194, 250, 353, 354, 421).
 */
export interface Offence {
  article: number;
  name: string;
  /** [min, max] months of imprisonment per clause, clause 1 first. */
  clauses: readonly (readonly [number, number])[];
  clauseWeights: readonly number[];
  /** Clause (1-based) whose sentence may be life or death. */
  severeClause?: number;
  lifePossible?: boolean;
  /** 'always': still capital after 1 Jul 2025; 'until2025': capital only before. */
  capital?: 'always' | 'until2025';
  /** Light offences where courts often choose non-custodial penalties. */
  communityFriendly?: boolean;
  /** Typical additional penalties. */
  fineLikely?: number;
  /** Offences with property damage or gain: restitution/compensation, confiscation of proceeds. */
  property?: boolean;
  drugs?: boolean;
  office?: boolean;
}

const O = (o: Offence): Offence => o;

export const OFFENCES: Readonly<Record<number, Offence>> = Object.fromEntries(
  [
    O({
      article: 173,
      name: 'Trộm cắp tài sản',
      clauses: [
        [6, 36],
        [24, 84],
        [84, 180],
        [144, 240],
      ],
      clauseWeights: [70, 22, 6, 2],
      communityFriendly: true,
      property: true,
    }),
    O({
      article: 174,
      name: 'Lừa đảo chiếm đoạt tài sản',
      clauses: [
        [6, 36],
        [24, 84],
        [84, 180],
        [144, 240],
      ],
      clauseWeights: [55, 27, 10, 8],
      severeClause: 4,
      lifePossible: true,
      communityFriendly: true,
      property: true,
      fineLikely: 0.2,
    }),
    O({
      article: 168,
      name: 'Cướp tài sản',
      clauses: [
        [36, 120],
        [84, 180],
        [144, 240],
        [216, 240],
      ],
      clauseWeights: [58, 29, 7, 6],
      severeClause: 4,
      lifePossible: true,
      property: true,
    }),
    O({
      article: 171,
      name: 'Cướp giật tài sản',
      clauses: [
        [12, 60],
        [36, 120],
        [84, 180],
        [144, 240],
      ],
      clauseWeights: [70, 24, 5, 1],
      property: true,
    }),
    O({
      article: 134,
      name: 'Cố ý gây thương tích hoặc gây tổn hại cho sức khỏe của người khác',
      clauses: [
        [6, 36],
        [24, 72],
        [24, 84],
        [60, 120],
        [84, 168],
        [144, 240],
      ],
      clauseWeights: [45, 20, 15, 10, 7, 3],
      communityFriendly: true,
      property: true,
    }),
    O({
      article: 249,
      name: 'Tàng trữ trái phép chất ma túy',
      clauses: [
        [12, 60],
        [60, 120],
        [120, 180],
        [180, 240],
      ],
      clauseWeights: [75, 18, 5, 2],
      drugs: true,
      fineLikely: 0.3,
    }),
    O({
      article: 250,
      name: 'Vận chuyển trái phép chất ma túy',
      clauses: [
        [24, 84],
        [84, 180],
        [180, 240],
        [240, 240],
      ],
      clauseWeights: [57, 27, 8, 8],
      severeClause: 4,
      lifePossible: true,
      capital: 'until2025',
      drugs: true,
      fineLikely: 0.3,
    }),
    O({
      article: 251,
      name: 'Mua bán trái phép chất ma túy',
      clauses: [
        [24, 84],
        [84, 180],
        [180, 240],
        [240, 240],
      ],
      clauseWeights: [52, 28, 8, 12],
      severeClause: 4,
      lifePossible: true,
      capital: 'always',
      drugs: true,
      fineLikely: 0.35,
    }),
    O({
      article: 255,
      name: 'Tổ chức sử dụng trái phép chất ma túy',
      clauses: [
        [24, 84],
        [84, 180],
        [180, 240],
      ],
      clauseWeights: [80, 17, 3],
      drugs: true,
      fineLikely: 0.3,
    }),
    O({
      article: 321,
      name: 'Đánh bạc',
      clauses: [
        [6, 36],
        [36, 84],
      ],
      clauseWeights: [85, 15],
      communityFriendly: true,
      fineLikely: 0.3,
    }),
    O({
      article: 322,
      name: 'Tổ chức đánh bạc hoặc gá bạc',
      clauses: [
        [12, 60],
        [60, 120],
      ],
      clauseWeights: [85, 15],
      fineLikely: 0.4,
    }),
    O({
      article: 123,
      name: 'Giết người',
      clauses: [
        [144, 240],
        [84, 180],
      ],
      clauseWeights: [45, 55],
      severeClause: 1,
      lifePossible: true,
      capital: 'always',
    }),
    O({
      article: 141,
      name: 'Hiếp dâm',
      clauses: [
        [24, 84],
        [84, 180],
        [144, 240],
      ],
      clauseWeights: [60, 30, 10],
      severeClause: 3,
      lifePossible: true,
    }),
    O({
      article: 260,
      name: 'Vi phạm quy định về tham gia giao thông đường bộ',
      clauses: [
        [12, 60],
        [36, 120],
        [84, 180],
      ],
      clauseWeights: [80, 17, 3],
      communityFriendly: true,
      property: true,
    }),
    O({
      article: 318,
      name: 'Gây rối trật tự công cộng',
      clauses: [
        [3, 24],
        [24, 84],
      ],
      clauseWeights: [80, 20],
      communityFriendly: true,
    }),
    O({
      article: 304,
      name: 'Chế tạo, tàng trữ, vận chuyển, sử dụng, mua bán trái phép hoặc chiếm đoạt vũ khí quân dụng, phương tiện kỹ thuật quân sự',
      clauses: [
        [12, 84],
        [60, 144],
      ],
      clauseWeights: [85, 15],
    }),
    O({
      article: 353,
      name: 'Tham ô tài sản',
      clauses: [
        [24, 84],
        [84, 180],
        [180, 240],
        [240, 240],
      ],
      clauseWeights: [50, 30, 12, 8],
      severeClause: 4,
      lifePossible: true,
      capital: 'until2025',
      property: true,
      office: true,
      fineLikely: 0.4,
    }),
    O({
      article: 354,
      name: 'Nhận hối lộ',
      clauses: [
        [24, 84],
        [84, 180],
        [180, 240],
        [240, 240],
      ],
      clauseWeights: [50, 30, 12, 8],
      severeClause: 4,
      lifePossible: true,
      capital: 'until2025',
      office: true,
      fineLikely: 0.4,
    }),
    O({
      article: 150,
      name: 'Mua bán người',
      clauses: [
        [60, 120],
        [96, 180],
        [144, 240],
      ],
      clauseWeights: [60, 30, 10],
      severeClause: 3,
      lifePossible: true,
    }),
    O({
      article: 188,
      name: 'Buôn lậu',
      clauses: [
        [6, 60],
        [36, 84],
        [84, 180],
      ],
      clauseWeights: [75, 20, 5],
      communityFriendly: true,
      property: true,
      fineLikely: 0.5,
    }),
    O({
      article: 190,
      name: 'Sản xuất, buôn bán hàng cấm',
      clauses: [
        [12, 60],
        [60, 120],
        [96, 180],
      ],
      clauseWeights: [75, 20, 5],
      property: true,
      fineLikely: 0.5,
    }),
    O({
      article: 200,
      name: 'Trốn thuế',
      clauses: [
        [3, 24],
        [12, 36],
        [24, 84],
      ],
      clauseWeights: [70, 22, 8],
      communityFriendly: true,
      property: true,
      fineLikely: 0.6,
    }),
    O({
      article: 216,
      name: 'Trốn đóng bảo hiểm xã hội, bảo hiểm y tế, bảo hiểm thất nghiệp cho người lao động',
      clauses: [
        [3, 12],
        [6, 36],
      ],
      clauseWeights: [80, 20],
      communityFriendly: true,
      fineLikely: 0.6,
    }),
    O({
      article: 227,
      name: 'Vi phạm quy định về nghiên cứu, thăm dò, khai thác tài nguyên',
      clauses: [
        [6, 36],
        [24, 84],
      ],
      clauseWeights: [80, 20],
      communityFriendly: true,
      property: true,
      fineLikely: 0.6,
    }),
    O({
      article: 235,
      name: 'Gây ô nhiễm môi trường',
      clauses: [
        [12, 60],
        [36, 84],
      ],
      clauseWeights: [80, 20],
      communityFriendly: true,
      property: true,
      fineLikely: 0.6,
    }),
    O({
      article: 394,
      name: 'Chống mệnh lệnh',
      clauses: [
        [6, 60],
        [24, 84],
      ],
      clauseWeights: [85, 15],
      communityFriendly: true,
    }),
    O({
      article: 398,
      name: 'Làm nhục, hành hung đồng đội',
      clauses: [
        [3, 24],
        [24, 84],
      ],
      clauseWeights: [80, 20],
      communityFriendly: true,
    }),
    O({
      article: 402,
      name: 'Đào ngũ',
      clauses: [
        [6, 60],
        [24, 84],
      ],
      clauseWeights: [85, 15],
      communityFriendly: true,
    }),
    O({
      article: 403,
      name: 'Trốn tránh nhiệm vụ',
      clauses: [
        [3, 36],
        [24, 84],
      ],
      clauseWeights: [85, 15],
      communityFriendly: true,
    }),
  ].map((o) => [o.article, o]),
);

const at = (article: number, w: number): readonly [Offence, number] => [OFFENCES[article] as Offence, w];

/** Offences of natural persons before civil courts (cand). */
export const CIVIL_OFFENCES: WeightedTable<Offence> = weighted([
  at(173, 25),
  at(174, 9),
  at(168, 5),
  at(171, 2.5),
  at(134, 10),
  at(249, 12),
  at(250, 4),
  at(251, 12),
  at(255, 3),
  at(321, 7),
  at(322, 1.5),
  at(123, 2),
  at(141, 0.8),
  at(260, 2.5),
  at(318, 1.5),
  at(304, 0.5),
  at(353, 0.5),
  at(354, 0.3),
  at(150, 0.3),
  at(188, 0.3),
]);

/** Offences before military courts (qdnd). */
export const MILITARY_OFFENCES: WeightedTable<Offence> = weighted([
  at(173, 15),
  at(260, 15),
  at(134, 10),
  at(174, 10),
  at(249, 4),
  at(251, 3),
  at(321, 5),
  at(123, 2),
  at(353, 3),
  at(354, 2),
  at(168, 2),
  at(394, 4),
  at(398, 8),
  at(402, 8),
  at(403, 3),
  at(304, 2),
  at(141, 1),
]);

/** Offences a commercial legal person can commit (Penal Code Art 76) that the generator uses. */
export const LEGAL_PERSON_OFFENCES: WeightedTable<Offence> = weighted([at(188, 20), at(190, 20), at(200, 25), at(216, 15), at(227, 10), at(235, 10)]);

export const POINT_LETTERS = ['a', 'b', 'c', 'd', 'đ', 'e', 'g', 'h', 'i', 'k'];
