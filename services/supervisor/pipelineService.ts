/** A long-running part of the pipeline the supervisor starts, watches and stops. */
export interface PipelineService {
  readonly name: string;
  start(): Promise<void>;
  /** Finish in-flight work (commit what was applied, flush producers) and release connections. */
  stop(): Promise<void>;
  healthy(): boolean;
  /**
   * Services this one starts and stops on its own while it runs (e.g. one apply consumer per agreement
   * in force), so /health can name each of them.
   */
  children?(): readonly PipelineService[];
}
