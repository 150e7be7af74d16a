import { Config } from '../../libs/config';
import { Logger } from '../../libs/logger';
import { PipelineService } from './pipelineService';

/** The pipeline services `npm start` runs, in start order. */
export async function buildServices(_config: Config, _log: Logger): Promise<PipelineService[]> {
  return [];
}
