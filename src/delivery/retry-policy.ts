/** Retries never wait longer than this: a chat API back after an outage gets its digests within 10 min. */
export const MAX_RETRY_DELAY_MS = 10 * 60_000;

/**
 * 1 s, 2 s, 4 s … capped at 10 min, each a random point in its upper half (0.5–1 s, 1–2 s …
 * 5–10 min): retries of many chats after an outage do not bunch up, even at the cap.
 */
export function retryDelay(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_RETRY_DELAY_MS, 1000 * 2 ** Math.min(30, Math.max(0, attempts - 1)));
  return Math.round(base * (0.5 + random() / 2));
}

export type AfterFailure = { dead: true } | { dead: false; at: number };

/**
 * After a transient failure (network, 5xx): try again with backoff until `retryForMs` has passed
 * since the failures began, then give up (dead letter). The last try falls on the deadline.
 */
export function afterTransientFailure(o: { attempts: number; failingSince: number; now: number; retryForMs: number; random?: () => number }): AfterFailure {
  const deadline = o.failingSince + o.retryForMs;
  if (o.now >= deadline) return { dead: true };
  return { dead: false, at: Math.min(o.now + retryDelay(o.attempts, o.random), deadline) };
}
