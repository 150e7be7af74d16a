import { Command } from 'commander';
import { registerApplyConsumerCommand } from '../../apply-consumer/main';

export function register(program: Command): void {
  registerApplyConsumerCommand(program);
}
