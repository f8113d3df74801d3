import type { Alert, Digest } from '../digest/model.js';
import type { Platform } from '../digest/subscriptions.js';

/** How a send failed, in the platform-neutral terms the outbox acts on. */
export type DeliveryFailure =
  | { kind: 'rate-limited'; retryAfterMs: number; message: string }
  /** The chat is gone for us (blocked, kicked, not found, archived): stop the subscription. */
  | { kind: 'permanent'; reason: string; message: string }
  /** The platform refused this message (malformed): fail the digest, keep the subscription. */
  | { kind: 'rejected'; message: string }
  /** Network or server trouble: retry with backoff. */
  | { kind: 'transient'; message: string }
  /** The message to edit was deleted in the chat (or can no longer be edited): drop the edit. */
  | { kind: 'gone'; message: string };

export interface SendOptions {
  /** Deliver without a sound or notification where the platform can (quiet hours). */
  silent?: boolean;
}

/** What the core needs from a chat platform. Adapters implement it; core never imports them. */
export interface DeliveryAdapter {
  readonly platform: Platform;
  /** Pacing: messages per second overall, and the minimum gap between two messages to one chat. */
  readonly limits: { perSecond: number; perChatIntervalMs: number };
  /** Renders a digest into the messages to send, in order (JSON-serialisable payloads). */
  render(digest: Digest): unknown[];
  /** Renders an alert (or its edit) into one message payload. */
  renderAlert(alert: Alert): unknown;
  /** Sends one message; returns the platform's message id. */
  send(chatId: string, payload: unknown, options?: SendOptions): Promise<string>;
  /**
   * Replaces the text of a message sent earlier. Resolves when the message shows the payload,
   * including when it already did (Telegram's "message is not modified").
   */
  edit(chatId: string, messageId: string, payload: unknown): Promise<void>;
  /** Maps an error thrown by `send` or `edit` to what the outbox should do. */
  classify(err: unknown): DeliveryFailure;
}
