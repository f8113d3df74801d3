import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFeed } from '../src/ingest/parse.js';
import { OutboxRepo } from '../src/db/outbox.js';
import { StoryRepo } from '../src/db/stories.js';
import { FeedRepo } from '../src/db/feeds.js';
import { rss } from './helpers/feed-server.js';
import { INJECTED_TITLE, SEEDED_NOW, seededSite, WEB_ITEMS, type SeededSite } from './helpers/web-seed.js';
import { serveWeb } from './helpers/web-server.js';
import { sqliteOf } from './helpers/app.js';
import { readAdminToken } from '../src/config/env.js';
import { redact } from '../src/redact.js';

const TOKEN = 'test-admin-token-0123456789';
const TOPIC = 'patriot-ukraine';
const HOUR = 3_600_000;

/** The story of one fixture event, by one of its reports' links. */
async function storyOf(site: SeededSite, event: string): Promise<number> {
  const item = WEB_ITEMS.find((i) => i.event === event)!;
  const id = sqliteOf(site.app).prepare('SELECT id FROM articles WHERE url = ?').pluck().get(site.link(item)) as number;
  return (await new StoryRepo(site.app.db).storiesOfArticle(id))[0]!;
}

describe('the stories on the web', () => {
  let site: SeededSite;
  let web: Awaited<ReturnType<typeof serveWeb>>;
  beforeAll(async () => {
    site = await seededSite();
    web = await serveWeb(site.app, { adminToken: TOKEN });
  });
  afterAll(async () => {
    await web.stop();
    await site.cleanup();
  });

  it('GET / shows the latest day\'s stories with their outlets, security headers, and pages back by day', async () => {
    const res = await fetch(web.url('/'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(res.headers.get('content-security-policy')).not.toMatch(/script-src|unsafe-inline/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    const page = await res.text();
    // 6 March (UTC): the Odesa drone attack (two outlets) and the Swedish launchers.
    expect(page).toContain('Friday 6 March 2026 (UTC) · 2 stories');
    expect(page).toContain(`href="/stories/${await storyOf(site, 'odesa-drones-night3')}"`);
    expect(page).toMatch(/<a href="http:\/\/news\.example\/\d+" [^>]*>Alpha News<\/a><\/li><li><a href="http:\/\/news\.example\/\d+" [^>]*>Beta Wire<\/a>/);
    expect(page).not.toContain('Spain signs deal');
    expect(page).toContain('href="/topics/patriot-ukraine?day=2026-03-05"');
    expect(page).not.toMatch(/<script/i);

    const older = await (await fetch(web.url(`/topics/${TOPIC}?day=2026-03-02`))).text();
    expect(older).toContain('Monday 2 March 2026 (UTC) · 1 story');
    expect(older).toMatch(/Gamma Post[\s\S]*Alpha News[\s\S]*Beta Wire/);
    // The first day has nothing older; its newer neighbour is the next day with stories.
    expect(older).not.toContain('Older →');
    expect(older).toContain('href="/topics/patriot-ukraine?day=2026-03-03"');
    const css = await fetch(web.url('/static/style.css'));
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await css.text()).toContain('@media');
  });

  it('shows times in the configured zone or ?tz=, refuses an unknown zone or day, and pages a long day', async () => {
    const utc = await (await fetch(web.url('/'))).text();
    expect(utc).toContain('6 Mar 2026, 06:30');
    const kyiv = await (await fetch(web.url('/?tz=Europe/Kyiv'))).text();
    expect(kyiv).toContain('6 Mar 2026, 08:30');
    expect(kyiv).toContain('(Europe/Kyiv)');
    // Links keep the viewer's zone.
    expect(kyiv).toMatch(/href="\/stories\/\d+\?tz=Europe%2FKyiv"/);
    const bad = await fetch(web.url('/?tz=Europe/Kiyv'));
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('unknown time zone &quot;Europe/Kiyv&quot;');
    expect((await fetch(web.url('/?day=2026-02-30'))).status).toBe(400);
    expect((await fetch(web.url('/?page=0'))).status).toBe(400);
    expect((await fetch(web.url('/topics/nope'))).status).toBe(404);
    // In Kyiv the 03:20 UTC strike of 3 March and the day's other reports fall on 3 March too.
    const day = await (await fetch(web.url('/?day=2026-03-03&tz=Europe/Kyiv'))).text();
    expect(day).toContain('Tuesday 3 March 2026 (Europe/Kyiv) · 2 stories');
  });

  it('escapes an injected headline and summary: shown as text, never as markup', async () => {
    for (const path of ['/', `/stories/${await storyOf(site, 'sweden')}`]) {
      const page = await (await fetch(web.url(path))).text();
      expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Sweden sends Patriot launchers');
      expect(page).toContain('&lt;img src=x onerror=&quot;alert(2)&quot;&gt;');
      expect(page).not.toContain(INJECTED_TITLE);
      expect(page).not.toMatch(/<script|<img/i);
    }
  });

  it('GET /stories/ID shows every article, its outlet and why it was grouped', async () => {
    const id = await storyOf(site, 'germany-pledge');
    const page = await (await fetch(web.url(`/stories/${id}`))).text();
    expect(page).toContain('3 sources, 3 articles');
    for (const outlet of ['Alpha News', 'Beta Wire', 'Gamma Post']) expect(page).toContain(`<strong>${outlet}</strong>`);
    expect(page).toContain('opened this story: no active story reported the same event');
    expect(page).toMatch(/joined: the model put the probability that it reports this event at 0\.\d+<ul><li>[+−] \d\.\d\d /);
    // The Kremlin's warning follows up the pledge (same thread): its page links back.
    const reaction = await (await fetch(web.url(`/stories/${await storyOf(site, 'russia-warns-germany')}`))).text();
    expect(reaction).toMatch(new RegExp(`<h2>Follows up</h2><ul>.*<a href="/stories/${id}">Pistorius`));
    expect((await fetch(web.url('/stories/99999'))).status).toBe(404);
  });

  it('Atom and JSON Feed: one entry per story, valid for our own reader, 304 on re-fetch', async () => {
    const res = await fetch(web.url(`/topics/${TOPIC}.atom`));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const etag = res.headers.get('etag')!;
    const modified = res.headers.get('last-modified')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const { feed, repaired } = await parseFeed(await res.text());
    expect(repaired).toBe(false);
    expect(feed.format).toBe('Atom 1.0');
    const stories = await new StoryRepo(site.app.db).list({ topicId: TOPIC });
    expect(feed.items).toHaveLength(stories.length);
    expect(new Set(feed.items.map((i) => i.id))).toEqual(new Set(stories.map((s) => `urn:news-digest:${TOPIC}:story:${s.id}`)));
    expect(feed.items.map((i) => i.title)).toContain(INJECTED_TITLE);

    expect((await fetch(web.url(`/topics/${TOPIC}.atom`), { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await fetch(web.url(`/topics/${TOPIC}.atom`), { headers: { 'if-modified-since': modified } })).status).toBe(304);
    expect((await fetch(web.url(`/topics/${TOPIC}.atom`), { headers: { 'if-modified-since': new Date(Date.parse(modified) - 1000).toUTCString() } })).status).toBe(200);

    const json = await fetch(web.url(`/topics/${TOPIC}.json`));
    expect(json.headers.get('content-type')).toBe('application/feed+json; charset=utf-8');
    const body = (await json.json()) as { version: string; items: { id: string; url: string; title: string; content_html: string; _news_digest: { sources: { name: string }[] } }[] };
    expect(body.version).toBe('https://jsonfeed.org/version/1.1');
    expect(body.items.map((i) => i.id).sort()).toEqual(feed.items.map((i) => i.id).sort());
    const pledgeId = await storyOf(site, 'germany-pledge');
    const pledge = body.items.find((i) => i.id.endsWith(`:story:${pledgeId}`))!;
    expect(pledge.url).toBe(web.url(`/stories/${pledgeId}`));
    expect(pledge._news_digest.sources.map((s) => s.name).sort()).toEqual(['Alpha News', 'Beta Wire', 'Gamma Post']);
    expect(pledge.content_html).toContain('Reported by 3 outlets');
    expect((await fetch(web.url(`/topics/${TOPIC}.json`), { headers: { 'if-none-match': json.headers.get('etag')! } })).status).toBe(304);
  });

  it('a story that grows keeps its entry id, moves its updated time and ETag, and shows "+1 source since"', async () => {
    const odesa = await storyOf(site, 'odesa-drones-night3');
    const entryId = `urn:news-digest:${TOPIC}:story:${odesa}`;
    const before = await fetch(web.url(`/topics/${TOPIC}.atom`));
    const etag = before.headers.get('etag')!;
    // Our feed reader takes an entry's <published> as its date: read <updated> from the XML itself.
    const updatedOf = (xml: string) => new RegExp(`<id>${entryId}</id>[\\s\\S]*?<updated>([^<]+)</updated>`).exec(xml)![1]!;
    const updated = updatedOf(await before.text());

    // A new outlet reports the Odesa attack an hour later.
    const later = SEEDED_NOW + HOUR;
    site.setNow(later);
    const url = site.server.route('/late.xml', { body: rss('Eta Herald', [{ title: 'Odesa port warehouse burns after Shahed drone attack', link: 'http://news.example/late', guid: 'late', date: new Date(SEEDED_NOW - HOUR).toUTCString(), description: 'Governor Oleh Kiper said 19 of 25 Shahed drones were downed over Odesa overnight and a port warehouse caught fire.' }]) });
    const feeds = new FeedRepo(site.app.db);
    await feeds.add(url, 'user', later, 'Eta Herald');
    await site.app.pipeline.poll([(await feeds.byUrl(url))!]);
    expect((await new StoryRepo(site.app.db).get(odesa))!.source_count).toBe(3);

    const after = await fetch(web.url(`/topics/${TOPIC}.atom`), { headers: { 'if-none-match': etag } });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
    const xml = await after.text();
    expect((await parseFeed(xml)).feed.items.filter((i) => i.id === entryId)).toHaveLength(1);
    expect(Date.parse(updatedOf(xml))).toBeGreaterThan(Date.parse(updated));

    const since = new Date(SEEDED_NOW + 60_000).toISOString();
    const page = await (await fetch(web.url(`/stories/${odesa}?since=${since}`))).text();
    expect(page).toContain('+1 source since 7 Mar 2026, 12:01');
    expect(page).toMatch(/<li class="new"><a [^>]*>Eta Herald<\/a>/);
    // Without ?since=, a day back from now; the story moved to the day of its latest report.
    site.setNow(SEEDED_NOW + 24 * HOUR + 30 * 60_000);
    const front = await (await fetch(web.url('/'))).text();
    expect(front).toContain('Saturday 7 March 2026 (UTC) · 1 story');
    expect(front).toContain('+1 source since 7 Mar 2026, 12:30');
  });

  it('operator pages: refused without the token, open with a bearer or the login cookie; retry is a POST', async () => {
    const { app } = site;
    const sub = (await app.delivery.subscriptions.subscribe('console', 'ops-test', TOPIC, 'Ops')).subscription;
    const outbox = new OutboxRepo(app.db);
    const dead = (await outbox.insertDigest({ subscriptionId: sub.id, windowKey: 'test-dead', windowStart: 0, windowEnd: SEEDED_NOW, model: '{"stories":[]}', status: 'pending', now: SEEDED_NOW }))!;
    await outbox.finish(dead, 'dead', 'HTTP 502 <bad gateway>', SEEDED_NOW);

    const refused = await fetch(web.url('/admin'));
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain('name="token"');
    expect((await fetch(web.url('/admin'), { headers: { authorization: 'Bearer wrong-token-of-some-length' } })).status).toBe(401);

    const bearer = { authorization: `Bearer ${TOKEN}` };
    const res = await fetch(web.url('/admin'), { headers: bearer });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const page = await res.text();
    expect(page).toContain('Feeds (');
    expect(page).toContain('Alpha News');
    expect(page).toContain('console:ops-test');
    expect(page).toContain('HTTP 502 &lt;bad gateway&gt;');
    expect(page).toContain(`action="/admin/outbox/${dead}/retry"`);

    // GET never changes state; a cross-site POST is refused; an own-site POST queues it again.
    expect((await fetch(web.url(`/admin/outbox/${dead}/retry`), { headers: bearer })).status).toBe(405);
    const cross = await fetch(web.url(`/admin/outbox/${dead}/retry`), { method: 'POST', headers: { ...bearer, origin: 'https://evil.example' }, redirect: 'manual' });
    expect(cross.status).toBe(403);
    const crossSite = await fetch(web.url(`/admin/outbox/${dead}/retry`), { method: 'POST', headers: { ...bearer, 'sec-fetch-site': 'cross-site' }, redirect: 'manual' });
    expect(crossSite.status).toBe(403);
    expect((await outbox.undelivered()).find((d) => d.id === dead)!.status).toBe('dead');
    const retried = await fetch(web.url(`/admin/outbox/${dead}/retry`), { method: 'POST', headers: bearer, redirect: 'manual' });
    expect(retried.status).toBe(303);
    expect(retried.headers.get('location')).toBe(`/admin?retried=${dead}#outbox`);
    expect((await outbox.undelivered()).find((d) => d.id === dead)!.status).toBe('pending');
    const again = await fetch(web.url(`/admin/outbox/${dead}/retry`), { method: 'POST', headers: bearer, redirect: 'manual' });
    expect(again.headers.get('location')).toBe(`/admin?refused=${dead}#outbox`);

    // The login form: a wrong token is refused, the right one sets an HttpOnly cookie that is not the token.
    const form = (token: string) => fetch(web.url('/admin/login'), { method: 'POST', body: new URLSearchParams({ token }), redirect: 'manual' });
    expect((await form('nope')).status).toBe(403);
    const login = await form(TOKEN);
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^nd_admin=[\w-]+; Path=\/admin; Max-Age=604800; HttpOnly; SameSite=Strict$/);
    expect(cookie).not.toContain(TOKEN);
    const withCookie = await fetch(web.url('/admin'), { headers: { cookie: cookie.split(';')[0]! } });
    expect(withCookie.status).toBe(200);
    expect((await fetch(web.url('/admin'), { headers: { cookie: 'nd_admin=forged' } })).status).toBe(401);
  });

  it('without ADMIN_TOKEN the operator pages are disabled and say so', async () => {
    const bare = await serveWeb(site.app, {});
    try {
      const res = await fetch(bare.url('/admin'), { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('set ADMIN_TOKEN');
      expect((await fetch(bare.url('/'))).status).toBe(200);
      // The routes the web pages do not own still reach the worker's own.
      expect((await fetch(bare.url('/healthz'))).status).not.toBe(404);
    } finally {
      await bare.stop();
    }
  });

  it('ADMIN_TOKEN: too short a token stops the start; a set one never reaches a log line', () => {
    expect(() => readAdminToken({ ADMIN_TOKEN: 'short' })).toThrow('ADMIN_TOKEN: expected at least 16 characters');
    expect(readAdminToken({})).toBeUndefined();
    const token = 'a-long-enough-admin-token-42';
    expect(readAdminToken({ ADMIN_TOKEN: ` ${token} ` })).toBe(token);
    expect(redact(`login with ${token}`)).toBe('login with [redacted]');
  });
});
