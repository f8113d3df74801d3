/**
 * Spaces sends to stay under a platform's limits without dropping any: at most `perSecond`
 * overall (as a minimum gap between any two sends) and one message per `perChatIntervalMs` to
 * the same chat. `acquire` resolves when the caller may send; slots are reserved in call order.
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
  ) {
    this.gap = 1000 / perSecond;
  }

  async acquire(chat: string): Promise<void> {
    const now = this.clock();
    const at = Math.max(now, this.nextGlobal, this.nextPerChat.get(chat) ?? 0);
    this.nextGlobal = at + this.gap;
    this.nextPerChat.set(chat, at + this.perChatIntervalMs);
    if (this.nextPerChat.size > 10_000) this.prune(now);
    if (at > now) await this.sleep(at - now);
  }

  /** A chat the platform asked us to leave alone for a while (429 retry_after). */
  holdChat(chat: string, ms: number): void {
    this.nextPerChat.set(chat, Math.max(this.nextPerChat.get(chat) ?? 0, this.clock() + ms));
  }

  private prune(now: number): void {
    for (const [chat, t] of this.nextPerChat) if (t < now) this.nextPerChat.delete(chat);
  }
}
