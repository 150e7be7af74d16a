import * as net from 'net';

/**
 * A loopback TCP proxy in front of a real server, for outages: `cut()` drops every connection through
 * it and refuses new ones (the server, from its clients' side, is gone), `restore()` lets them through
 * again. The server itself keeps running, so the rest of the stack is untouched.
 */
export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private down = false;
  private server?: net.Server;
  port = 0;
  /** Connections refused while cut: proof that a client tried to reach the server during the outage. */
  refused = 0;

  private constructor(
    private readonly host: string,
    private readonly targetPort: number,
  ) {}

  static async start(host: string, targetPort: number): Promise<TcpProxy> {
    const p = new TcpProxy(host, targetPort);
    await p.listen();
    return p;
  }

  /** `url` with its host and port replaced by the proxy's. */
  rewrite(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  cut(): void {
    this.down = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.down = false;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }

  private listen(): Promise<void> {
    this.server = net.createServer((client) => {
      if (this.down) {
        this.refused++;
        client.destroy();
        return;
      }
      const upstream = net.connect(this.targetPort, this.host);
      this.sockets.add(client);
      this.sockets.add(upstream);
      const close = (): void => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', close);
      upstream.on('error', close);
      client.on('close', close);
      upstream.on('close', close);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    return new Promise((resolve) =>
      this.server!.listen(0, '127.0.0.1', () => {
        this.port = (this.server!.address() as net.AddressInfo).port;
        resolve();
      }),
    );
  }
}
