import { InvalidArgumentError } from 'commander';
import type { Ministry } from '../../libs/contracts/contractTypes';

/** Commander parsers of the options the operator commands share. */
export function ministryArg(v: string): Ministry {
  if (v !== 'cand' && v !== 'qdnd') throw new InvalidArgumentError('expected cand or qdnd');
  return v;
}

/** A Kafka offset, partition or count: a whole number, kept exact as a bigint. */
export function wholeArg(name: string) {
  return (v: string): bigint => {
    if (!/^\d{1,18}$/.test(v)) throw new InvalidArgumentError(`${name} must be a whole number`);
    return BigInt(v);
  };
}
