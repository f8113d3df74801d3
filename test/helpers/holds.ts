/**
 * Calls a fake chat API holds unanswered until the test releases them: a send kept in flight for
 * as long as a test needs. `arrived` resolves at the first held call.
 */
export class Holds<A extends unknown[]> {
  private entries: { match: (...args: A) => boolean; released: Promise<void>; arrive: () => void }[] = [];

  hold(match: (...args: A) => boolean): { release: () => void; arrived: Promise<void> } {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let arrive!: () => void;
    const arrived = new Promise<void>((r) => (arrive = r));
    const entry = { match, released, arrive };
    this.entries.push(entry);
    return {
      release: () => {
        this.entries = this.entries.filter((h) => h !== entry);
        release();
      },
      arrived,
    };
  }

  /** Waits while a hold matches the call. */
  async wait(...args: A): Promise<void> {
    for (const h of this.entries.filter((h) => h.match(...args))) {
      h.arrive();
      await h.released;
    }
  }
}
