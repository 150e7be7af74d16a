import * as http from 'http';
import type { AddressInfo } from 'net';

/** What the proxy does with a schema lookup by id. */
export type SchemaAnswer = { status: number } | { schema: object };

/**
 * The real schema registry behind a loopback HTTP proxy that can change its answers for chosen schema
 * ids: withhold one (404, as a registry that lost it), fail (503, an outage), or serve other content
 * under a known id (what the registry's operator could do). Everything else passes through unchanged.
 */
export class RegistryProxy {
  private readonly answers = new Map<number, SchemaAnswer>();
  /** Answer ids not seen before with this (e.g. 404 for schemas registered after a point). */
  private unknownIds?: SchemaAnswer;
  private readonly known = new Set<number>();
  private server?: http.Server;
  readonly asked: number[] = [];

  private constructor(private readonly target: URL) {}

  static async start(registryUrl: string): Promise<RegistryProxy> {
    const p = new RegistryProxy(new URL(registryUrl.replace(/\/+$/, '')));
    await p.listen();
    return p;
  }

  /** The proxied Confluent-compatible API base URL. */
  get url(): string {
    const a = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${a.port}${this.target.pathname}`;
  }

  answer(id: number, a: SchemaAnswer | null): void {
    if (a === null) this.answers.delete(id);
    else this.answers.set(id, a);
  }

  /** From now on, ids not looked up before get `a` (null: pass through again). */
  answerUnknown(a: SchemaAnswer | null): void {
    this.unknownIds = a ?? undefined;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }

  private listen(): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    return new Promise((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const m = /\/schemas\/ids\/(\d+)/.exec(req.url ?? '');
    if (m) {
      const id = Number(m[1]);
      this.asked.push(id);
      const a = this.answers.get(id) ?? (this.unknownIds && !this.known.has(id) ? this.unknownIds : undefined);
      if (a) {
        if ('status' in a) {
          res.writeHead(a.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error_code: a.status * 100 + 3, message: 'withheld by the test proxy' }));
        } else {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ schema: JSON.stringify(a.schema) }));
        }
        return;
      }
      this.known.add(id);
    }
    const body: Buffer[] = [];
    for await (const chunk of req) body.push(chunk as Buffer);
    const path = (req.url ?? '/').replace(/^\/+/, '').replace(this.target.pathname.replace(/^\/+/, ''), '').replace(/^\/+/, '');
    const upstream = await fetch(`${this.target.origin}${this.target.pathname}/${path}`, {
      method: req.method,
      headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
      body: body.length > 0 ? Buffer.concat(body) : undefined,
    });
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  }
}
