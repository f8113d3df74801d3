import type { Alert, Digest } from '../../digest/model.js';
import type { DeliveryAdapter, DeliveryFailure } from '../../delivery/types.js';
import { errorText } from '../../redact.js';
import { renderAlertText, renderText } from './render.js';

/** Prints digests to stdout: the adapter in use when no chat token is configured. */
export class ConsoleAdapter implements DeliveryAdapter {
  readonly platform = 'console' as const;
  readonly limits = { perSecond: 1000, perChatIntervalMs: 0 };
  private count = 0;

  constructor(private readonly write: (text: string) => void = (t) => process.stdout.write(t)) {}

  render(digest: Digest): string[] {
    return [renderText(digest)];
  }

  renderAlert(alert: Alert): string {
    return renderAlertText(alert);
  }

  async send(_chatId: string, payload: unknown): Promise<string> {
    this.write(`\n${String(payload)}`);
    return `console-${++this.count}`;
  }

  /** A console cannot rewrite what it printed: the new text is printed, marked as an update. */
  async edit(_chatId: string, messageId: string, payload: unknown): Promise<void> {
    this.write(`\n(update of ${messageId}) ${String(payload)}`);
  }

  classify(err: unknown): DeliveryFailure {
    return { kind: 'transient', message: errorText(err) };
  }
}
