import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The feeds of `npm run bench -- scale`, from a process of their own: `scale-feeds.ts FEEDS ITEMS
 * LATENCY_MS`. Every answer comes after LATENCY_MS (a distant server), so one worker's poll is
 * bound by waiting, not by CPU: what more workers should divide. Item `n` is on the Patriot topic
 * when n % 20 == 0. Prints the port on the first line.
 */
const [feedsArg = '1000', itemsArg = '20', latencyArg = '200'] = process.argv.slice(2);
const items = Number(itemsArg);
const latency = Number(latencyArg);
const countries = ['Germany', 'Japan', 'Spain', 'the Netherlands', 'Romania', 'Sweden', 'Norway', 'Poland', 'Denmark', 'Canada', 'Italy', 'Greece'];
const acts = ['pledges a Patriot battery to Ukraine', 'sends PAC-3 interceptors to Kyiv', 'signs an air defense deal for Ukraine', 'trains Ukrainian Patriot crews'];
const other = ['Council approves new bus lanes', 'Football club signs striker', 'Bakery wins regional prize', 'Storm closes mountain roads'];

const server = http.createServer((req, res) => {
  const f = Number(/^\/feed\/(\d+)\.xml$/.exec(req.url ?? '')?.[1]);
  if (!Number.isInteger(f) || f >= Number(feedsArg)) return void res.writeHead(404).end();
  setTimeout(() => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(feed(f)), latency);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => process.exit(0));

function feed(f: number): string {
  const body = Array.from({ length: items }, (_, j) => {
    const n = f * items + j;
    const on = n % 20 === 0;
    const title = on ? `${countries[(n / 20) % countries.length]} ${acts[Math.floor(n / 240) % acts.length]}` : `${other[n % other.length]} (${f}-${j})`;
    const description = `${title}. Officials gave details of the plan, its cost and its timing to reporters, saying more would follow in the coming days once the government had approved it.`;
    return `<item><title>${title}</title><link>https://n${f}.example/${j}</link><guid>f${f}-${j}</guid><pubDate>${new Date(Date.UTC(2026, 2, 1) + (n % 4000) * 120_000).toUTCString()}</pubDate><description>${description}</description></item>`;
  }).join('');
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>Desk ${f}</title>${body}</channel></rss>`;
}
