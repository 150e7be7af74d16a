import { StatusGatherer, type StatusOptions } from './statusGatherer';
import { StatusHistory } from './statusHistory';
import { renderStatusPage, statusPageCsp, type StatusDocument } from './statusPage';

export interface StatusResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The status page of a process that serves HTTP (the main job): one gatherer and its history for
 * every viewer; a gathering in progress is shared, and a result younger than `maxAgeMs` is served
 * again, so ten open pages cost what one does.
 */
export class StatusService {
  private readonly gatherer: StatusGatherer;
  private readonly history = new StatusHistory();
  private last?: { at: number; doc: StatusDocument };
  private inFlight?: Promise<StatusDocument>;

  constructor(
    options: StatusOptions,
    private readonly maxAgeMs = 2000,
  ) {
    this.gatherer = new StatusGatherer(options);
  }

  async document(): Promise<StatusDocument> {
    if (this.last && Date.now() - this.last.at < this.maxAgeMs) return this.last.doc;
    this.inFlight ??= (async () => {
      try {
        const status = await this.gatherer.gather();
        this.history.add(status);
        const doc = { status, history: this.history.list() };
        this.last = { at: Date.now(), doc };
        return doc;
      } finally {
        this.inFlight = undefined;
      }
    })();
    return this.inFlight;
  }

  /** Answers /status (the page) and /status.json (the data); null for any other path. */
  async handle(path: string): Promise<StatusResponse | null> {
    if (path !== '/status' && path !== '/status.json') return null;
    const doc = await this.document();
    const common = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
    if (path === '/status.json') return { status: 200, headers: { ...common, 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(doc) };
    const page = renderStatusPage(doc);
    return { status: 200, headers: { ...common, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': statusPageCsp(page.nonce) }, body: page.html };
  }

  close(): Promise<void> {
    return this.gatherer.close();
  }
}
