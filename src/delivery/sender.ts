import pLimit from 'p-limit';
import type { Store } from '../db/store.js';
import { RateSlotRepo } from '../db/rate-slots.js';
import { OutboxRepo, type ReadyDigest } from '../db/outbox.js';
import { AlertRepo } from '../db/alerts.js';
import { SubscriptionRepo } from '../db/subscriptions.js';
import type { Alert, Digest } from '../digest/model.js';
import type { Platform, SubscriptionService } from '../digest/subscriptions.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { retryLocked } from './busy.js';
import { isLockError } from '../db/lock-retry.js';
import { WorkerIdentity, defaultWorkerId } from './identity.js';
import { RateLimiter } from './rate-limiter.js';
import { afterTransientFailure } from './retry-policy.js';
import type { DeliveryAdapter, DeliveryFailure } from './types.js';

/** How long a claimed digest is this worker's (config delivery.lease): a dead worker's digests are taken over after it. */
const DEFAULT_LEASE_MS = 5 * 60_000;
/** An ordinary outbox write waits out another connection's lock this long, then the run leaves the digest for the next. */
const LOCK_PATIENCE_MS = 60_000;
/** A sent part's id is saved before the lease is this close to running out (after that another worker may resend it); at most a third of the lease. */
const LEASE_MARGIN_MS = 30_000;
const DEFAULT_RETRY_FOR_MS = 24 * 3_600_000;

export interface SenderOptions {
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Digests sent at once (the rate limiter keeps the pace). */
  concurrency?: number;
  /** The worker id leases are taken under (default: WORKER_ID, else the host name). */
  owner?: string;
  /** Transient failures are retried this long, then the digest is dead (config `delivery.retryFor`). */
  retryForMs?: number;
  /** How long a claim lasts (config `delivery.lease`, default 5 minutes). */
  leaseMs?: number;
}

export interface SendReport {
  sent: number;
  retrying: number;
  failed: number;
  dead: number;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Sends the outbox. A digest is claimed with a lease (two workers never send the same one),
 * rendered and stored once, then sent part by part. Each part is marked as attempted, committed,
 * before it is sent, and its platform message id saved as soon as the platform accepts it, so a
 * restart resumes at the first unsent part, and the only part that can be sent twice is one the
 * platform accepted in the milliseconds before its id was saved.
 */
export class Sender {
  private readonly repo: OutboxRepo;
  private readonly limiters = new Map<Platform, RateLimiter>();
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly limit;
  private readonly sleep?: (ms: number) => Promise<void>;
  private readonly wantedId: string;
  private readonly retryForMs: number;
  private readonly leaseMs: number;
  private readonly leaseMarginMs: number;
  private identity?: WorkerIdentity;
  /** The identity being taken: two first runs at once (a tick and a /digest now) take it once. */
  private identityTaking?: Promise<WorkerIdentity>;
  /** Digests this process is sending now: its own leases are resumable, but not twice at once. */
  private readonly inFlight = new Set<number>();

  constructor(
    private readonly db: Store,
    private readonly adapters: Map<Platform, DeliveryAdapter>,
    private readonly subscriptions: SubscriptionService,
    private readonly log: Logger,
    private readonly metrics?: Metrics,
    options: SenderOptions = {},
  ) {
    this.repo = new OutboxRepo(db);
    this.clock = options.clock ?? Date.now;
    this.random = options.random ?? Math.random;
    this.limit = pLimit(options.concurrency ?? 64);
    this.sleep = options.sleep;
    this.wantedId = options.owner ?? defaultWorkerId();
    this.retryForMs = options.retryForMs ?? DEFAULT_RETRY_FOR_MS;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.leaseMarginMs = Math.min(LEASE_MARGIN_MS, this.leaseMs / 3);
  }

  /** The id this process's leases carry; taken at the first send run (commands that only read never take one). */
  get workerId(): string | undefined {
    return this.identity?.id;
  }

  /** One limiter per platform, kept across runs so the pace holds between ticks. */
  private limiterFor(platform: Platform): RateLimiter {
    let l = this.limiters.get(platform);
    if (!l) {
      const a = this.adapters.get(platform)!;
      // Several workers on one PostgreSQL database share the bot's limit: the overall slots are
      // taken from the database. (One SQLite worker paces alone.)
      const shared =
        this.db.engine === 'postgres'
          ? (earliest: number, gapMs: number) => this.write(() => new RateSlotRepo(this.db).take(`send:${platform}`, earliest, gapMs))
          : undefined;
      this.limiters.set(platform, (l = new RateLimiter(a.limits.perSecond, a.limits.perChatIntervalMs, this.clock, this.sleep, shared)));
    }
    return l;
  }

  private async workerIdentity(): Promise<WorkerIdentity> {
    if (!this.identity) {
      this.identityTaking ??= this.write(() => WorkerIdentity.acquire(this.db, this.wantedId, this.clock(), this.leaseMs));
      const taken = await this.identityTaking.finally(() => (this.identityTaking = undefined));
      if (this.identity) return this.identity;
      this.identity = taken;
      if (!this.identity.stable) {
        this.log.warn({ workerId: this.identity.id }, `worker id "${this.wantedId}" is in use by another running process; using a temporary id (set WORKER_ID to a different name per worker)`);
      }
    }
    return this.identity;
  }

  /**
   * Sends every digest that is ready now (or only the given ones: `/digest now` does not wait for
   * a fan-out); resolves when they are all done or rescheduled.
   */
  async runOnce(only?: number[]): Promise<SendReport> {
    const report: SendReport = { sent: 0, retrying: 0, failed: 0, dead: 0 };
    const platforms = [...this.adapters.keys()];
    if (!platforms.length) return report;
    let owner: string;
    let ready: ReadyDigest[];
    try {
      const identity = await this.workerIdentity();
      await this.write(() => identity.beat(this.clock()));
      owner = identity.id;
      ready = await this.repo.ready(platforms, this.clock(), owner, 5000, only);
    } catch (err) {
      // Another process held the database all along: nothing was taken, the next run sends.
      if (!isLockError(err)) throw err;
      this.log.warn('outbox not sent: the database stayed locked; the next run sends it');
      return report;
    }
    await Promise.all(
      ready.map((d) =>
        this.limit(async () => {
          if (this.inFlight.has(d.id)) return;
          this.inFlight.add(d.id);
          try {
            const claimedAt = this.clock();
            if (!(await this.write(() => this.repo.claim(d.id, owner, claimedAt, claimedAt + this.leaseMs)))) return;
            report[await this.deliver(d, owner, claimedAt + this.leaseMs)]++;
          } catch (err) {
            // Only database trouble gets here (send errors are classified): the digest keeps its
            // lease under this worker id, and the next run resumes it.
            this.log.error({ err, digest: d.id }, `digest ${d.id}: delivery interrupted, resumed at the next run: ${(err as Error).message}`);
            report.retrying++;
          } finally {
            this.inFlight.delete(d.id);
          }
        }),
      ),
    );
    return report;
  }

  private async deliver(d: ReadyDigest, owner: string, leaseUntil: number): Promise<keyof SendReport> {
    const adapter = this.adapters.get(d.platform)!;
    const log = this.log.child({ digest: d.id, subscription: d.subscriptionId, platform: d.platform, chat: d.chatId });
    if (!d.active) {
      await this.write(() => this.repo.finish(d.id, 'failed', 'subscription stopped before sending', this.clock()));
      return 'failed';
    }
    let parts = await this.repo.parts(d.id);
    if (!parts.length) {
      // Render once and store, so a retry or a restart sends exactly the same messages.
      const rendered = d.kind === 'digest' ? adapter.render(JSON.parse(d.model) as Digest) : [adapter.renderAlert(JSON.parse(d.model) as Alert)];
      const payloads = rendered.map((p) => JSON.stringify(p));
      await this.write(() => this.repo.storeParts(d.id, payloads));
      parts = await this.repo.parts(d.id);
    }
    const limiter = this.limiterFor(d.platform);
    for (const part of parts) {
      if (part.messageId !== null) continue;
      if (part.attemptedAt !== null && d.kind === 'alert') {
        // An alert is sent at most once: its last send may have been accepted, and a second copy
        // is worse than none (the story still comes in the next digest, unmarked). An edit is
        // simply sent again: the same text twice changes nothing.
        await this.write(() => this.repo.finish(d.id, 'failed', 'the last send has an unknown outcome (the process stopped mid-send): not sent again, so the chat never gets the alert twice', this.clock()));
        log.warn('alert not sent again after a send of unknown outcome: the chat may have it already (the story stays in the next digest)');
        return 'failed';
      }
      await limiter.acquire(d.chatId);
      if (part.attemptedAt !== null) {
        log.warn({ seq: part.seq }, 'sending again a part whose last send has an unknown outcome (the process stopped mid-send): the chat may get it twice');
      }
      // Recorded (committed) after the wait for the slot, right before the send: only a send
      // under way can have an unknown outcome.
      const attemptAt = this.clock();
      await this.write(() => this.repo.markAttempt(d.id, part.seq, attemptAt, owner, attemptAt + this.leaseMs));
      leaseUntil = attemptAt + this.leaseMs;
      let messageId: string;
      try {
        const payload: unknown = JSON.parse(part.payload);
        if (d.kind === 'edit') {
          await adapter.edit(d.chatId, d.targetMessageId!, payload);
          messageId = d.targetMessageId!;
        } else messageId = await adapter.send(d.chatId, payload, d.silent ? { silent: true } : {});
      } catch (err) {
        return this.fail(d, part.seq, adapter.classify(err), limiter, log);
      }
      // Sent. A lock now is waited out while the lease lasts: treating it as a failed send
      // would send the part again.
      const sentAt = this.clock();
      try {
        await this.write(() => this.repo.partSent(d.id, part.seq, messageId, sentAt, owner, sentAt + this.leaseMs), leaseUntil - this.leaseMarginMs, (tries) => {
          if (tries === 1) log.warn({ seq: part.seq }, 'database locked while saving a sent message id; retrying');
        });
      } catch (err) {
        throw new Error(`part ${part.seq} was sent (message ${messageId}) but its id could not be saved, so it may be sent again: ${(err as Error).message}`, { cause: err });
      }
      leaseUntil = sentAt + this.leaseMs;
      this.metrics?.messagesSent.inc({ platform: d.platform });
    }
    await this.write(() => this.repo.markSent(d.id, this.clock()));
    return 'sent';
  }

  private async fail(d: ReadyDigest, seq: number, failure: DeliveryFailure, limiter: RateLimiter, log: Logger): Promise<keyof SendReport> {
    const now = this.clock();
    this.metrics?.deliveryErrors.inc({ platform: d.platform, kind: failure.kind });
    // The send is over: the attempt mark is cleared, so only a send cut short by the process's
    // death is counted as a possible duplicate. (An answer lost on the network, which the
    // platform gives no way to tell from a refusal, is retried like any transient failure.)
    const settle = (write: (repo: OutboxRepo) => Promise<void>) =>
      this.write(() =>
        this.repo.transaction(async (repo) => {
          await repo.clearAttempt(d.id, seq);
          await write(repo);
        }),
      );
    if (failure.kind === 'permanent') {
      await settle(async (repo) => {
        await new SubscriptionRepo(repo.handle).deactivate(d.subscriptionId, failure.reason, now);
        await repo.finish(d.id, 'failed', failure.message, now);
      });
      log.warn({ reason: failure.reason }, `subscription stopped: ${failure.message}`);
      return 'failed';
    }
    if (failure.kind === 'gone' && d.kind === 'edit') {
      // The reader deleted the alert: nothing to edit, now or later.
      await settle(async (repo) => {
        await repo.finish(d.id, 'failed', `edit dropped: ${failure.message}`, now);
        await new AlertRepo(repo.handle).markGone(d.id);
      });
      log.info({ messageId: d.targetMessageId }, `alert message ${d.targetMessageId} is gone from the chat (${failure.message}): edit dropped, no more edits of it`);
      return 'failed';
    }
    if (failure.kind === 'rejected' || failure.kind === 'gone') {
      await settle((repo) => repo.finish(d.id, 'failed', failure.message, now));
      log.error(`platform rejected the message: ${failure.message}`);
      return 'failed';
    }
    if (failure.kind === 'rate-limited') {
      // The platform told us when to come back; this is not a failed attempt.
      limiter.holdChat(d.chatId, failure.retryAfterMs);
      await settle((repo) => repo.reschedule(d.id, { attempts: d.attempts, at: now + failure.retryAfterMs, error: failure.message, failingSince: d.failingSince }));
      log.info({ retryAfterMs: failure.retryAfterMs }, 'rate limited; waiting as asked');
      return 'retrying';
    }
    const attempts = d.attempts + 1;
    const failingSince = d.failingSince ?? now;
    const next = afterTransientFailure({ attempts, failingSince, now, retryForMs: this.retryForMs, random: this.random });
    if (next.dead) {
      await settle((repo) => repo.finish(d.id, 'dead', failure.message, now, attempts));
      const hours = ((now - failingSince) / 3_600_000).toFixed(1);
      log.error({ attempts }, `digest ${d.id} given up after ${attempts} attempts over ${hours} h: ${failure.message}; \`npm run cli -- outbox resend ${d.id}\` sends it again`);
      return 'dead';
    }
    await settle((repo) => repo.reschedule(d.id, { attempts, at: next.at, error: failure.message, failingSince }));
    log.warn({ attempts, retryInMs: next.at - now }, `send failed, will retry: ${failure.message}`);
    return 'retrying';
  }

  /** A write that waits out other connections' locks (until `deadline`) instead of failing. */
  private write<T>(fn: () => T | Promise<T>, deadline = this.clock() + LOCK_PATIENCE_MS, onRetry?: (tries: number) => void): Promise<T> {
    return retryLocked(fn, { deadline, clock: this.clock, sleep: this.sleep ?? realSleep, onRetry: (_err, tries) => onRetry?.(tries) });
  }
}
