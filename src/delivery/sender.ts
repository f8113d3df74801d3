import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import type { DB } from '../db/open.js';
import type { Digest } from '../digest/model.js';
import type { Platform, SubscriptionService } from '../digest/subscriptions.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { RateLimiter } from './rate-limiter.js';
import type { DeliveryAdapter, DeliveryFailure } from './types.js';

export const MAX_ATTEMPTS = 8;
const LEASE_MS = 5 * 60_000;

export interface SenderOptions {
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Digests sent at once (the rate limiter keeps the pace). */
  concurrency?: number;
  owner?: string;
}

export interface SendReport {
  sent: number;
  retrying: number;
  failed: number;
}

interface Ready {
  id: number;
  subscription_id: number;
  model: string;
  attempts: number;
  platform: Platform;
  chat_id: string;
  active: number;
}

/** 1 s, 2 s, 4 s … capped at 10 min, each ×0.5–1.5 so retries of many chats do not bunch up. */
export function retryDelay(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(600_000, 1000 * 2 ** Math.max(0, attempts - 1));
  return Math.min(600_000, Math.round(base * (0.5 + random())));
}

/**
 * Sends the outbox. A digest is claimed with a lease (two workers never send the same one),
 * rendered and stored once, then sent part by part; each part's platform message id is saved as
 * soon as it is sent, so a restart resumes at the first unsent part.
 */
export class Sender {
  private readonly limiters = new Map<Platform, RateLimiter>();
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly owner: string;
  private readonly limit;
  private readonly sleep?: (ms: number) => Promise<void>;

  constructor(
    private readonly db: DB,
    private readonly adapters: Map<Platform, DeliveryAdapter>,
    private readonly subscriptions: SubscriptionService,
    private readonly log: Logger,
    private readonly metrics?: Metrics,
    options: SenderOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.random = options.random ?? Math.random;
    this.owner = options.owner ?? randomUUID();
    this.limit = pLimit(options.concurrency ?? 64);
    this.sleep = options.sleep;
  }

  /** One limiter per platform, kept across runs so the pace holds between ticks. */
  private limiterFor(platform: Platform): RateLimiter {
    let l = this.limiters.get(platform);
    if (!l) {
      const a = this.adapters.get(platform)!;
      this.limiters.set(platform, (l = new RateLimiter(a.limits.perSecond, a.limits.perChatIntervalMs, this.clock, this.sleep)));
    }
    return l;
  }

  /** Sends every digest that is ready now; resolves when they are all done or rescheduled. */
  async runOnce(): Promise<SendReport> {
    const report: SendReport = { sent: 0, retrying: 0, failed: 0 };
    const platforms = [...this.adapters.keys()];
    if (!platforms.length) return report;
    const now = this.clock();
    const ready = this.db
      .prepare(
        `SELECT d.id, d.subscription_id, d.model, d.attempts, s.platform, s.chat_id, s.active FROM digests d JOIN subscriptions s ON s.id = d.subscription_id
         WHERE ((d.status = 'pending' AND d.next_attempt_at <= @now) OR (d.status = 'sending' AND d.lease_until < @now))
           AND s.platform IN (${platforms.map((p) => `'${p}'`).join(',')})
         ORDER BY d.next_attempt_at, d.id LIMIT 5000`,
      )
      .all({ now }) as Ready[];
    await Promise.all(
      ready.map((d) =>
        this.limit(async () => {
          if (!this.claim(d.id)) return;
          const outcome = await this.deliver(d);
          report[outcome]++;
        }),
      ),
    );
    return report;
  }

  private claim(id: number): boolean {
    const now = this.clock();
    return (
      this.db
        .prepare(`UPDATE digests SET status = 'sending', lease_owner = @owner, lease_until = @until
          WHERE id = @id AND ((status = 'pending' AND next_attempt_at <= @now) OR (status = 'sending' AND lease_until < @now))`)
        .run({ id, owner: this.owner, until: now + LEASE_MS, now }).changes === 1
    );
  }

  private async deliver(d: Ready): Promise<keyof SendReport> {
    const adapter = this.adapters.get(d.platform)!;
    if (!d.active) {
      this.finish(d.id, 'failed', 'subscription stopped before sending');
      return 'failed';
    }
    let parts = this.db.prepare('SELECT seq, payload, platform_message_id FROM digest_parts WHERE digest_id = ? ORDER BY seq').all(d.id) as { seq: number; payload: string; platform_message_id: string | null }[];
    if (!parts.length) {
      // Render once and store, so a retry or a restart sends exactly the same messages.
      const payloads = adapter.render(JSON.parse(d.model) as Digest);
      const insert = this.db.prepare('INSERT OR IGNORE INTO digest_parts (digest_id, seq, payload) VALUES (?, ?, ?)');
      this.db.transaction(() => payloads.forEach((p, i) => insert.run(d.id, i, JSON.stringify(p))))();
      parts = this.db.prepare('SELECT seq, payload, platform_message_id FROM digest_parts WHERE digest_id = ? ORDER BY seq').all(d.id) as typeof parts;
    }
    const limiter = this.limiterFor(d.platform);
    for (const part of parts) {
      if (part.platform_message_id !== null) continue;
      await limiter.acquire(d.chat_id);
      let messageId: string;
      try {
        messageId = await adapter.send(d.chat_id, JSON.parse(part.payload));
      } catch (err) {
        return this.fail(d, adapter.classify(err), limiter);
      }
      const now = this.clock();
      this.db.prepare('UPDATE digest_parts SET platform_message_id = ?, sent_at = ? WHERE digest_id = ? AND seq = ?').run(messageId, now, d.id, part.seq);
      this.db.prepare('UPDATE digests SET lease_until = ? WHERE id = ? AND lease_owner = ?').run(now + LEASE_MS, d.id, this.owner);
      this.metrics?.messagesSent.inc({ platform: d.platform });
    }
    this.db.prepare("UPDATE digests SET status = 'sent', sent_at = ?, lease_owner = NULL, lease_until = NULL, last_error = NULL WHERE id = ?").run(this.clock(), d.id);
    return 'sent';
  }

  private fail(d: Ready, failure: DeliveryFailure, limiter: RateLimiter): keyof SendReport {
    const now = this.clock();
    this.metrics?.deliveryErrors.inc({ platform: d.platform, kind: failure.kind });
    const log = this.log.child({ digest: d.id, subscription: d.subscription_id, platform: d.platform, chat: d.chat_id });
    if (failure.kind === 'permanent') {
      this.subscriptions.deactivate(d.subscription_id, failure.reason);
      this.finish(d.id, 'failed', failure.message);
      log.warn({ reason: failure.reason }, `subscription stopped: ${failure.message}`);
      return 'failed';
    }
    if (failure.kind === 'rejected') {
      this.finish(d.id, 'failed', failure.message);
      log.error(`platform rejected the message: ${failure.message}`);
      return 'failed';
    }
    if (failure.kind === 'rate-limited') {
      // The platform told us when to come back; this is not a failed attempt.
      limiter.holdChat(d.chat_id, failure.retryAfterMs);
      this.reschedule(d.id, d.attempts, now + failure.retryAfterMs, failure.message);
      log.info({ retryAfterMs: failure.retryAfterMs }, 'rate limited; waiting as asked');
      return 'retrying';
    }
    const attempts = d.attempts + 1;
    if (attempts >= MAX_ATTEMPTS) {
      this.db.prepare("UPDATE digests SET attempts = ? WHERE id = ?").run(attempts, d.id);
      this.finish(d.id, 'failed', failure.message);
      log.error({ attempts }, `digest failed after ${attempts} attempts: ${failure.message}`);
      return 'failed';
    }
    const delay = retryDelay(attempts, this.random);
    this.reschedule(d.id, attempts, now + delay, failure.message);
    log.warn({ attempts, retryInMs: delay }, `send failed, will retry: ${failure.message}`);
    return 'retrying';
  }

  private reschedule(id: number, attempts: number, at: number, error: string): void {
    this.db
      .prepare("UPDATE digests SET status = 'pending', attempts = ?, next_attempt_at = ?, last_error = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?")
      .run(attempts, at, error, id);
  }

  private finish(id: number, status: 'failed', error: string): void {
    this.db.prepare('UPDATE digests SET status = ?, last_error = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?').run(status, error, id);
  }
}
