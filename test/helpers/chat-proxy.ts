import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy in front of a fake chat API (FakeTelegram, FakeSlack): outages on the test's
 * clock, and a hook that runs when the API has answered (a message accepted) before the answer
 * reaches the sender.
 */
export class ChatApiProxy {
  /** While the clock is before `until`, every call fails: a proxy's 502 page, or the connection dropped. */
  outage: { until: number; mode: 'bad-gateway' | 'reset' } | undefined;
  /** Calls that met the outage. */
  failures = 0;
  /** Runs after the API answered and before the answer is passed on; the answer waits for it. */
  onAnswer: ((path: string, status: number) => void | Promise<void>) | undefined;
  private server = http.createServer((req, res) => void this.handle(req, res));
  port = 0;

  constructor(
    private readonly target: string,
    private readonly clock: () => number = Date.now,
  ) {}

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** The proxy's address with the target's path (e.g. Slack's `/api/`). */
  get url(): string {
    const target = new URL(this.target);
    return `http://127.0.0.1:${this.port}${target.pathname === '/' ? '' : target.pathname}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (this.outage && this.clock() < this.outage.until) {
      this.failures++;
      if (this.outage.mode === 'reset') return void req.socket.destroy();
      res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body><h1>502 Bad Gateway</h1></body></html>');
      return;
    }
    const origin = new URL(this.target).origin;
    const answer = await fetch(origin + (req.url ?? '/'), {
      method: req.method,
      headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks),
    });
    const body = Buffer.from(await answer.arrayBuffer());
    await this.onAnswer?.(req.url ?? '/', answer.status);
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(body);
  }
}
