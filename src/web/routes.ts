import type http from 'node:http';
import type { App } from '../app.js';
import type { ExtraRoute } from '../http/server.js';
import { WebRepo } from '../db/web.js';
import { StoryRepo } from '../db/stories.js';
import { OutboxRepo } from '../db/outbox.js';
import { AdminAuth, ADMIN_COOKIE, sameOrigin } from './auth.js';
import { adminDisabledPage, adminPage, loginPage } from './admin-pages.js';
import { atomFeed, jsonFeed, lastChange } from './feeds.js';
import { messagePage, storyPage, topicPage, type PageContext } from './pages.js';
import { etagOf, notModified, readForm, redirect, send, SECURITY_HEADERS } from './respond.js';
import { STYLE_CSS } from './style.js';
import { BadRequest, dayBounds, dayOf, zoneOf } from './time.js';
import { storyViews } from './view.js';

const HTML = 'text/html; charset=utf-8';
const DAY_MS = 86_400_000;
/** Feed health counts the articles of the last week: items per day is that over 7. */
const HEALTH_DAYS = 7;
/** What "+N sources since" counts from when the viewer does not say (?since=): the last day. */
const DEFAULT_SINCE_MS = DAY_MS;

export interface WebOptions {
  /** ADMIN_TOKEN; undefined: the operator pages are disabled. */
  adminToken?: string;
}

type Deps = Pick<App, 'db' | 'config' | 'clock'>;

/**
 * The stories on the web, served by the worker beside /healthz and /metrics: topic pages by day,
 * story pages, Atom and JSON feeds, and the operator pages behind ADMIN_TOKEN. Answers only the
 * paths it owns (returns false for the others). GET never changes state.
 */
export function createWebRoute(app: Deps, options: WebOptions = {}): ExtraRoute {
  const web = new WebSite(app, options);
  return (req, res) => web.handle(req, res);
}

class WebSite {
  private readonly repo: WebRepo;
  private readonly stories: StoryRepo;
  private readonly outbox: OutboxRepo;
  private readonly auth: AdminAuth;
  private readonly topics: { id: string; name: string; description?: string }[];
  private readonly zone: string;
  /** web.baseUrl's path, put before every link (a reverse proxy serving us under /digest). */
  private readonly prefix: string;
  private readonly publicBase: string | null;

  constructor(
    private readonly app: Deps,
    options: WebOptions,
  ) {
    this.repo = new WebRepo(app.db);
    this.stories = new StoryRepo(app.db);
    this.outbox = new OutboxRepo(app.db);
    this.auth = new AdminAuth(options.adminToken);
    this.topics = app.config.topics.map((t) => ({ id: t.id, name: t.name, description: t.description }));
    this.zone = app.config.web.timezone ?? app.config.digest.timezone;
    const base = app.config.web.baseUrl ? new URL(app.config.web.baseUrl) : null;
    this.prefix = base ? base.pathname.replace(/\/+$/, '') : '';
    this.publicBase = base ? `${base.origin}${this.prefix}` : null;
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const route = this.match(path);
    if (!route) return false;
    const get = req.method === 'GET' || req.method === 'HEAD';
    const ctx = this.context(null);
    try {
      if (route.kind === 'admin') {
        await this.admin(req, res, route.action, url);
        return true;
      }
      // Another route may take a POST here (a Telegram webhook at "/"); the server answers 404 otherwise.
      if (!get) return false;
      if (route.kind === 'style') send(res, 200, 'text/css; charset=utf-8', STYLE_CSS, { 'cache-control': 'public, max-age=3600' });
      else if (route.kind === 'topic') await this.topicPage(res, url, route.id);
      else if (route.kind === 'story') await this.storyPage(res, url, route.id);
      else await this.feed(req, res, route.id, route.kind);
    } catch (err) {
      if (!(err instanceof BadRequest)) throw err;
      send(res, 400, HTML, messagePage(ctx, 'Bad request', err.message));
    }
    return true;
  }

  private match(path: string):
    | { kind: 'style' }
    | { kind: 'topic' | 'atom' | 'json'; id: string }
    | { kind: 'story'; id: number }
    | { kind: 'admin'; action: string }
    | null {
    if (path === '/static/style.css') return { kind: 'style' };
    if (path === '/') return { kind: 'topic', id: this.topics[0]!.id };
    let m = /^\/topics\/([a-z0-9][a-z0-9-]*)(?:\.(atom|json))?$/.exec(path);
    if (m) return { kind: (m[2] as 'atom' | 'json' | undefined) ?? 'topic', id: m[1]! };
    m = /^\/stories\/(\d{1,15})$/.exec(path);
    if (m) return { kind: 'story', id: Number(m[1]) };
    if (path === '/admin' || path.startsWith('/admin/')) return { kind: 'admin', action: path.slice('/admin'.length) };
    return null;
  }

  private context(tzParam: string | null): PageContext {
    return { prefix: this.prefix, topics: this.topics, zone: zoneOf(tzParam, this.zone), tzParam: tzParam || null };
  }

  private notFound(res: http.ServerResponse, ctx: PageContext, what: string): void {
    send(res, 404, HTML, messagePage(ctx, 'Not found', what));
  }

  /** ?since= (ISO time) for the "+N sources since" markers, else a day ago. */
  private since(url: URL): number {
    const param = url.searchParams.get('since');
    if (!param) return this.app.clock() - DEFAULT_SINCE_MS;
    const ms = Date.parse(param);
    if (!Number.isFinite(ms)) throw new BadRequest(`invalid since "${param}": expected an ISO time like 2026-11-20T08:00:00Z`);
    return ms;
  }

  private async topicPage(res: http.ServerResponse, url: URL, topicId: string): Promise<void> {
    const ctx = this.context(url.searchParams.get('tz'));
    const topic = this.topics.find((t) => t.id === topicId);
    if (!topic) return this.notFound(res, ctx, `no topic "${topicId}"`);
    const since = this.since(url);
    const perPage = this.app.config.web.storiesPerPage;
    const pageParam = url.searchParams.get('page') ?? '1';
    if (!/^[1-9]\d{0,5}$/.test(pageParam)) throw new BadRequest(`invalid page "${pageParam}": expected 1, 2, …`);
    // Without ?day=, the day of the latest story: the page is never empty while stories exist.
    let day = url.searchParams.get('day');
    if (!day) {
      const latest = await this.repo.latestBefore(topic.id, Number.MAX_SAFE_INTEGER);
      day = latest === null ? null : dayOf(latest, ctx.zone);
    }
    const bounds = day ? dayBounds(day, ctx.zone) : null;
    const total = bounds ? await this.repo.countBetween(topic.id, bounds.from, bounds.to) : 0;
    const pages = Math.max(1, Math.ceil(total / perPage));
    const page = Math.min(Number(pageParam), pages);
    const rows = bounds ? await this.repo.storiesBetween(topic.id, bounds.from, bounds.to, perPage, (page - 1) * perPage) : [];
    const prev = bounds ? await this.repo.latestBefore(topic.id, bounds.from) : null;
    const next = bounds ? await this.repo.earliestFrom(topic.id, bounds.to) : null;
    const body = topicPage(ctx, {
      topic,
      day,
      stories: storyViews(rows, await this.repo.members(rows.map((s) => s.id)), since),
      total,
      page,
      pages,
      prevDay: prev === null ? null : dayOf(prev, ctx.zone),
      nextDay: next === null ? null : dayOf(next, ctx.zone),
      since,
    });
    send(res, 200, HTML, body, { 'cache-control': 'no-cache' });
  }

  private async storyPage(res: http.ServerResponse, url: URL, id: number): Promise<void> {
    const ctx = this.context(url.searchParams.get('tz'));
    const story = await this.repo.story(id);
    if (!story) return this.notFound(res, ctx, `no story ${id}`);
    // A story folded into another lives on there: old links (digests, feeds) follow it.
    if (story.mergedInto !== null) return redirect(res, 301, `${this.prefix}/stories/${story.mergedInto}${url.search}`);
    const members = await this.repo.members([id]);
    const [view] = storyViews([story], members, this.since(url));
    const topicName = this.topics.find((t) => t.id === story.topicId)?.name ?? story.topicId;
    const earlier = (await this.stories.earlierInThread(id, 3)).map((s) => ({ id: s.id, title: s.title }));
    send(res, 200, HTML, storyPage(ctx, { story: view!, topicName, members, earlier, since: this.since(url) }), { 'cache-control': 'no-cache' });
  }

  /** The absolute address feeds link to: web.baseUrl, else the Host the client asked for. */
  private base(req: http.IncomingMessage): string {
    if (this.publicBase) return this.publicBase;
    const host = req.headers.host && /^[A-Za-z0-9.\-:[\]]{1,300}$/.test(req.headers.host) ? req.headers.host : 'localhost';
    return `http://${host}`;
  }

  private async feed(req: http.IncomingMessage, res: http.ServerResponse, topicId: string, format: 'atom' | 'json'): Promise<void> {
    const topic = this.topics.find((t) => t.id === topicId);
    if (!topic) return this.notFound(res, this.context(null), `no topic "${topicId}"`);
    const rows = await this.repo.changedLast(topic.id, this.app.config.web.feedEntries);
    // Nothing is "new" in a feed entry: a reader compares `updated` itself.
    const stories = storyViews(rows, await this.repo.members(rows.map((s) => s.id)), Number.MAX_SAFE_INTEGER);
    const input = { topic, base: this.base(req), stories };
    const body = format === 'atom' ? atomFeed(input) : jsonFeed(input);
    const etag = etagOf(body);
    const modified = lastChange(stories);
    const headers = { etag, 'last-modified': new Date(modified).toUTCString(), 'cache-control': 'no-cache' };
    if (notModified(req, etag, modified)) {
      res.writeHead(304, { ...SECURITY_HEADERS, ...headers }).end();
      return;
    }
    send(res, 200, format === 'atom' ? 'application/atom+xml; charset=utf-8' : 'application/feed+json; charset=utf-8', body, headers);
  }

  // --- operator pages ---

  private async admin(req: http.IncomingMessage, res: http.ServerResponse, action: string, url: URL): Promise<void> {
    const ctx = this.context(null);
    const noStore = { 'cache-control': 'no-store' };
    if (!this.auth.enabled) return send(res, 404, HTML, adminDisabledPage(ctx), noStore);
    const post = req.method === 'POST';
    if (post && !sameOrigin(req, this.publicBase ? new URL(this.publicBase).origin : null)) {
      return send(res, 403, HTML, messagePage(ctx, 'Forbidden', 'a form of another site cannot act on the operator pages'), noStore);
    }
    if (action === '/login') {
      if (!post) return send(res, 200, HTML, loginPage(ctx, null), noStore);
      const form = await readForm(req);
      if (!form || !this.auth.tokenMatches(form.get('token') ?? '')) return send(res, 403, HTML, loginPage(ctx, 'Wrong token.'), noStore);
      return redirect(res, 303, `${this.prefix}/admin`, { 'set-cookie': this.cookie(req, this.auth.cookieValue!, 7 * DAY_MS), ...noStore });
    }
    if (action === '/logout' && post) return redirect(res, 303, `${this.prefix}/admin/login`, { 'set-cookie': this.cookie(req, '', 0) });
    if (!this.auth.allows(req)) {
      return send(res, 401, HTML, loginPage(ctx, 'The operator pages need the admin token.'), { 'www-authenticate': 'Bearer realm="news-digest"', ...noStore });
    }
    const retry = /^\/outbox\/(\d{1,15})\/retry$/.exec(action);
    if (retry && post) return redirect(res, 303, `${this.prefix}/admin?${await this.retry(Number(retry[1]))}#outbox`);
    if (action !== '' || !(req.method === 'GET' || req.method === 'HEAD')) {
      return send(res, action === '' || retry || action === '/logout' ? 405 : 404, HTML, messagePage(ctx, 'Not here', 'see /admin'), noStore);
    }
    const now = this.app.clock();
    const retried = url.searchParams.get('retried');
    const refused = url.searchParams.get('refused');
    const notice = retried
      ? `Digest ${retried} queued again: the worker sends it at its next outbox run (every 15 s).`
      : refused
        ? `Digest ${refused} was not queued: it is no longer dead or failed, or its subscription is stopped.`
        : null;
    const body = adminPage(ctx, {
      feeds: await this.repo.feedHealth(now - HEALTH_DAYS * DAY_MS),
      days: HEALTH_DAYS,
      subscriptions: await this.repo.subscriptions(),
      outbox: await this.outbox.undelivered(),
      notice,
    });
    send(res, 200, HTML, body, noStore);
  }

  /** "Retry now": queues a dead or failed digest of an active subscription again, as `outbox resend` does. */
  private async retry(id: number): Promise<string> {
    const digest = (await this.outbox.undelivered()).find((d) => d.id === id);
    const ok = digest !== undefined && digest.subscriptionActive && (await this.outbox.requeue(id, this.app.clock()));
    return ok ? `retried=${id}` : `refused=${id}`;
  }

  private cookie(req: http.IncomingMessage, value: string, maxAgeMs: number): string {
    const https = this.publicBase?.startsWith('https:') || req.headers['x-forwarded-proto'] === 'https';
    return `${ADMIN_COOKIE}=${value}; Path=${this.prefix}/admin; Max-Age=${Math.floor(maxAgeMs / 1000)}; HttpOnly; SameSite=Strict${https ? '; Secure' : ''}`;
  }
}
