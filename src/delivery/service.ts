import type { LoadedConfig } from '../config/load.js';
import { isLockError } from '../db/lock-retry.js';
import type { DB, Store } from '../db/store.js';
import { SubscriptionService, type Platform } from '../digest/subscriptions.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { IdfModel } from '../stories/idf.js';
import { AlertQueue } from './alerts.js';
import { Outbox } from './outbox.js';
import { Sender, type SenderOptions } from './sender.js';
import type { DeliveryAdapter } from './types.js';

/** Digests from schedule to chat: builds due digests into the outbox and sends the outbox. */
export class DeliveryService {
  readonly adapters = new Map<Platform, DeliveryAdapter>();
  readonly subscriptions: SubscriptionService;
  readonly outbox: Outbox;
  readonly alerts: AlertQueue;
  readonly sender: Sender;

  constructor(
    db: Store,
    config: LoadedConfig,
    private readonly log: Logger,
    metrics?: Metrics,
    options: SenderOptions & { idf?: (db: DB) => Promise<IdfModel> } = {},
  ) {
    const clock = options.clock ?? Date.now;
    this.subscriptions = new SubscriptionService(db, config, clock);
    this.outbox = new Outbox(db, config, this.subscriptions, clock, options.idf);
    this.alerts = new AlertQueue(db, config, this.subscriptions, clock);
    this.sender = new Sender(db, this.adapters, this.subscriptions, log, metrics, { retryForMs: config.delivery.retryFor, leaseMs: config.delivery.lease, ...options });
    this.pause = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  private readonly pause: (ms: number) => Promise<void>;

  register(adapter: DeliveryAdapter): void {
    this.adapters.set(adapter.platform, adapter);
  }

  /**
   * The scheduler's tick (every 15 s): alerts and edits of stories that grew since the last tick
   * are queued, due digests are built once, then everything ready is sent.
   */
  async tick(): Promise<void> {
    // A large fan-out starts going out while the rest of it is still being built: one send
    // loop picks up what is ready, run after run, until the building is done.
    let building = true;
    let sending: Promise<void> | undefined;
    const startSending = () => {
      sending ??= (async () => {
        while (building) {
          const r = await this.sender.runOnce();
          if (r.sent + r.retrying + r.failed + r.dead === 0) await this.pause(50);
        }
      })();
    };
    try {
      await this.alerts.queue();
      await this.outbox.createDue(startSending);
    } catch (err) {
      // Another process holds the database: the due digests are built at the next tick. What is
      // already in the outbox is still sent now.
      if (!isLockError(err)) throw err;
      this.log.warn({ err }, 'database locked while queueing alerts or building due digests; retrying at the next tick');
    } finally {
      building = false;
    }
    await sending;
    await this.sender.runOnce();
  }

  /** `/digest now` from any platform. */
  async digestNow(subscriptionId: number): Promise<{ stories: number; sent: boolean }> {
    const created = await this.outbox.createNow(subscriptionId);
    if (!created || created.status === 'empty') return { stories: 0, sent: false };
    // Only this digest: the subscriber's answer must not wait for a fan-out to other chats.
    const report = await this.sender.runOnce([created.id]);
    return { stories: created.digest.stories.length, sent: report.sent > 0 };
  }
}
