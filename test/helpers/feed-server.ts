import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Route {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Never answer (to exercise timeouts); the server closes the socket on stop. */
  hang?: boolean;
  /** Answer only once this settles (to hold a request open deterministically). */
  wait?: Promise<unknown>;
  /**
   * Send the headers and the start of `body`, then one more byte every this many ms, never
   * ending the response (a transfer that never completes); the server closes it on stop.
   */
  trickle?: number;
  /** Called per request; may return a different route (ETag handling, edits between polls). */
  handler?: (req: http.IncomingMessage) => Route;
}

/** A real HTTP server on 127.0.0.1 serving feeds from a mutable route table. */
export class FeedServer {
  readonly routes = new Map<string, Route>();
  readonly requests: { path: string; headers: http.IncomingHttpHeaders }[] = [];
  private server = http.createServer((req, res) => this.handle(req, res));
  private readonly timers = new Set<NodeJS.Timeout>();
  port = 0;

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  route(path: string, route: Route): string {
    this.routes.set(path, route);
    return this.url(path);
  }

  hits(path: string): number {
    return this.requests.filter((r) => r.path === path).length;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    this.requests.push({ path, headers: req.headers });
    let route = this.routes.get(path);
    if (route?.handler) route = route.handler(req);
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (route.hang) return;
    if (route.wait) await route.wait;
    if (route.trickle) {
      res.writeHead(route.status ?? 200, { 'content-type': 'application/rss+xml; charset=utf-8', ...route.headers });
      res.write(route.body ?? '<?xml version="1.0"?>');
      const timer = setInterval(() => res.write(' '), route.trickle);
      this.timers.add(timer);
      res.on('close', () => {
        clearInterval(timer);
        this.timers.delete(timer);
      });
      return;
    }
    res.writeHead(route.status ?? 200, { 'content-type': 'application/rss+xml; charset=utf-8', ...route.headers });
    res.end(route.body ?? '');
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface FeedItem {
  title: string;
  link: string;
  guid?: string;
  date?: string;
  description?: string;
  content?: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function rss(title: string, items: FeedItem[], encoding = 'UTF-8'): string {
  return `<?xml version="1.0" encoding="${encoding}"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>${esc(title)}</title><link>http://example.org/</link>
${items
  .map(
    (i) => `<item><title>${esc(i.title)}</title><link>${esc(i.link)}</link>${i.guid ? `<guid isPermaLink="false">${esc(i.guid)}</guid>` : ''}${i.date ? `<pubDate>${i.date}</pubDate>` : ''}<description>${esc(i.description ?? '')}</description>${i.content ? `<content:encoded><![CDATA[${i.content}]]></content:encoded>` : ''}</item>`,
  )
  .join('\n')}
</channel></rss>`;
}

export function atom(title: string, items: FeedItem[]): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>${esc(title)}</title><id>urn:test</id><updated>2026-01-01T00:00:00Z</updated>
${items
  .map(
    (i) => `<entry><title>${esc(i.title)}</title><link href="${esc(i.link)}"/><id>${esc(i.guid ?? i.link)}</id>${i.date ? `<updated>${i.date}</updated><published>${i.date}</published>` : ''}<summary>${esc(i.description ?? '')}</summary>${i.content ? `<content type="html">${esc(i.content)}</content>` : ''}</entry>`,
  )
  .join('\n')}
</feed>`;
}

export function rdf(title: string, items: FeedItem[]): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://example.org/"><title>${esc(title)}</title><link>http://example.org/</link><description>t</description></channel>
${items
  .map((i) => `<item rdf:about="${esc(i.link)}"><title>${esc(i.title)}</title><link>${esc(i.link)}</link><description>${esc(i.description ?? '')}</description>${i.date ? `<dc:date>${i.date}</dc:date>` : ''}</item>`)
  .join('\n')}
</rdf:RDF>`;
}
