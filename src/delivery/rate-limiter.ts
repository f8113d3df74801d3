/**
 * Where the overall slots come from when several processes send for one bot: given the earliest
 * time the caller could send and the gap between sends, the start of the slot it got (the
 * database's shared slots, src/db/rate-slots.ts).
 */
export type SharedSlots = (earliest: number, gapMs: number) => Promise<number>;

/** A send that woke this late for its shared slot takes a new one, at most this many times. */
const MAX_LATE_RETAKES = 5;

/**
 * Spaces sends to stay under a platform's limits without dropping any: at most `perSecond`
 * overall (as a minimum gap between any two sends) and one message per `perChatIntervalMs` to
 * the same chat. `acquire` resolves when the caller may send; slots are reserved in call order.
 * With `shared` slots the overall pace holds across every process sending for the bot.
 */
export class RateLimiter {
  private nextGlobal = 0;
  private readonly nextPerChat = new Map<string, number>();
  private readonly gap: number;

  constructor(
    perSecond: number,
    private readonly perChatIntervalMs: number,
    private readonly clock: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
    private readonly shared?: SharedSlots,
  ) {
    this.gap = 1000 / perSecond;
  }

  /** The next overall slot from `from` on: this process's own, or the database's shared ones. */
  private async take(from: number): Promise<number> {
    if (this.shared) return this.shared(from, this.gap);
    const at = Math.max(from, this.nextGlobal);
    this.nextGlobal = at + this.gap;
    return at;
  }

  /** Resolves when the caller may send to `chat`. */
  async acquire(chat: string): Promise<void> {
    const now = this.clock();
    const earliest = Math.max(now, this.nextPerChat.get(chat) ?? 0);
    // The chat's slot is taken before the (awaited) overall one, so two sends to one chat never share it.
    this.nextPerChat.set(chat, earliest + this.perChatIntervalMs);
    if (this.nextPerChat.size > 10_000) this.prune(now);
    // A slot is taken ahead of time and slept for. A sender that wakes late (a busy event loop)
    // would send in the slots of the sends after it, a burst over the limit: it takes a new slot
    // instead (a few times at most, then it sends).
    let from = earliest;
    for (let tries = 0; ; tries++) {
      const at = await this.take(from);
      const wait = at - this.clock();
      if (wait > 0) await this.sleep(wait);
      if (this.clock() - at <= this.gap / 2 || tries >= MAX_LATE_RETAKES) {
        this.nextPerChat.set(chat, Math.max(this.nextPerChat.get(chat) ?? 0, at + this.perChatIntervalMs));
        return;
      }
      from = this.clock();
    }
  }

  /** A chat the platform asked us to leave alone for a while (429 retry_after). */
  holdChat(chat: string, ms: number): void {
    this.nextPerChat.set(chat, Math.max(this.nextPerChat.get(chat) ?? 0, this.clock() + ms));
  }

  private prune(now: number): void {
    for (const [chat, t] of this.nextPerChat) if (t < now) this.nextPerChat.delete(chat);
  }
}
