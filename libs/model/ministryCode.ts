import type { Ministry } from '../contracts/contractTypes';
import type { MinistryCode } from './codes';

/** The `ministry` column value of a ministry (the CLI and topics use the lower-case name). */
export function ministryCode(ministry: Ministry): MinistryCode {
  return ministry === 'cand' ? 'CAND' : 'QDND';
}

export function ministryOfCode(code: MinistryCode): Ministry {
  return code === 'CAND' ? 'cand' : 'qdnd';
}
