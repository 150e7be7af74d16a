import { Column, Entity } from 'typeorm';
import { ThahsRow } from './thahsRow';

/** Offences (Penal Code articles) of a conviction. */
@Entity({ name: 'conviction_offence', schema: 'thahs' })
export class ConvictionOffence extends ThahsRow {
  @Column({ type: 'uuid' })
  conviction_id: string;

  @Column({ type: 'integer' })
  code_article: number;

  @Column({ type: 'integer', nullable: true })
  clause: number | null;

  @Column({ type: 'text', nullable: true })
  point: string | null;

  @Column({ type: 'text' })
  offence_name: string;
}
