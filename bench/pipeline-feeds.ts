import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The feeds and pages of `npm run bench -- pipeline`, served from their own process (started by
 * bench/pipeline.ts, which reads the port from the first line of stdout). Item `n` of feed `f`
 * is on the topic when n % 20 == 0, and half of those are thin, with a local page to fetch.
 */
const items = Number(process.argv[2] ?? 50);

const PAGE = (i: number) =>
  `<!DOCTYPE html><html><body><article><h1>Report ${i}</h1>${Array.from({ length: 6 }, (_, p) => `<p>Paragraph ${p} of report ${i}: officials said the Patriot air defense battery would reach Ukraine within weeks, with crews trained abroad and interceptors drawn from existing stocks.</p>`).join('')}</article></body></html>`;

const countries = ['Germany', 'Japan', 'Spain', 'the Netherlands', 'Romania', 'Sweden', 'Norway', 'Poland', 'Denmark', 'Canada', 'Italy', 'Greece'];
const acts = ['pledges a Patriot battery to Ukraine', 'sends PAC-3 interceptors to Kyiv', 'signs an air defense deal for Ukraine', 'trains Ukrainian Patriot crews', 'delivers IRIS-T launchers to Ukraine'];
const other = ['Council approves new bus lanes', 'Football club signs striker', 'Bakery wins regional prize', 'Storm closes mountain roads', 'Museum opens modern art wing', 'Central bank holds rates'];

const server = http.createServer((req, res) => {
  const url = req.url ?? '';
  const page = /^\/page\/(\d+)$/.exec(url);
  if (page) return void res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE(Number(page[1])));
  const f = Number(/^\/feed\/(\d+)\.xml$/.exec(url)?.[1]);
  if (!Number.isInteger(f)) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(feed(f));
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => process.exit(0));

function feed(f: number): string {
  const port = (server.address() as AddressInfo).port;
  const body = Array.from({ length: items }, (_, j) => {
    const n = f * items + j;
    const on = n % 20 === 0;
    const thin = on && n % 40 === 0;
    const title = on ? `${countries[(n / 20) % countries.length]} ${acts[Math.floor(n / 240) % acts.length]}` : `${other[n % other.length]} (${f}-${j})`;
    // On the topic and not thin: long enough (400+ characters) that its page is not fetched (the
    // thin ones link a local page). Off the topic: as short as feeds often are.
    const said = `${title}. Officials gave details of the plan, its cost and its timing to reporters on ${n % 7 === 0 ? 'Monday' : 'Tuesday'}, saying more would follow.`;
    const description = thin
      ? 'Patriot air defense for Ukraine.'
      : on
        ? `${said} The ministry said the first deliveries were expected within weeks, with training for the crews already under way at a base abroad, and that the package had been agreed with the allies who coordinate air-defence aid to Kyiv. Parliament is to vote on the funding next week.`
        : said;
    const link = thin ? `http://127.0.0.1:${port}/page/${n}` : `https://n${f}.example/${j}`;
    return `<item><title>${title}</title><link>${link}</link><guid>f${f}-${j}</guid><pubDate>${new Date(Date.UTC(2026, 2, 1) + (n % 4000) * 120_000).toUTCString()}</pubDate><description>${description}</description></item>`;
  }).join('');
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>Desk ${f}</title>${body}</channel></rss>`;
}
