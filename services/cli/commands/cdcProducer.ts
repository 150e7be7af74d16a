import { Command } from 'commander';
import { registerCdcProducerCommand } from '../../cdc-producer/main';

export function register(program: Command): void {
  registerCdcProducerCommand(program);
}
