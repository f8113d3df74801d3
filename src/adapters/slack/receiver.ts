import { HTTPReceiver, type Logger as BoltLogger } from '@slack/bolt';

/** Slack's rule for signed requests: the timestamp within five minutes of our clock, either way. */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;
/** Slash commands and events are a few KB; Bolt's default allows 4 MB. */
const BODY_LIMIT = 256 * 1024;

/**
 * Bolt's HTTP receiver (signature verified, stale timestamps refused) with the check Bolt lacks:
 * it only refuses timestamps older than five minutes, so a request signed for tomorrow, once
 * captured, could be replayed for a whole day. Requests whose X-Slack-Request-Timestamp is more
 * than five minutes in the future are answered 401 before Bolt sees them.
 */
export function signedRequestReceiver(options: { signingSecret: string; port: number; logger: BoltLogger; now?: () => number }): HTTPReceiver {
  const now = options.now ?? Date.now;
  const receiver = new HTTPReceiver({ signingSecret: options.signingSecret, port: options.port, logger: options.logger, bodyLimit: BODY_LIMIT });
  const verified = receiver.requestListener;
  receiver.requestListener = (req, res) => {
    const header = req.headers['x-slack-request-timestamp'];
    const ts = typeof header === 'string' ? Number(header) : NaN;
    if (req.method === 'POST' && Number.isFinite(ts) && ts - now() / 1000 > MAX_CLOCK_SKEW_SECONDS) {
      options.logger.warn(`Refused a Slack request timestamped ${Math.round(ts - now() / 1000)} s in the future`);
      req.resume();
      res.writeHead(401).end();
      return;
    }
    verified(req, res);
  };
  return receiver;
}
