import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildDigest } from '../src/digest/build.js';
import { ROOT, sqliteOf } from './helpers/app.js';
import { ChatApiProxy } from './helpers/chat-proxy.js';
import { VirtualClock, demoApp } from './helpers/delivery.js';
import { FakeTelegram } from './helpers/fake-telegram.js';
import { StoryGrower } from './helpers/stories.js';

const CHILD = path.join(ROOT, 'test/helpers/delivery-child.ts');
const CHATS = ['100', '101', '102', '103', '104'];

/**
 * A sending process killed with SIGKILL the moment Telegram accepted an alert (or an edit), before
 * the process could record the message id: the next process, under the same worker id, resumes
 * the outbox. An alert is never sent a second time; an edit is sent again, harmlessly.
 */
describe('kill -9 between an alert’s acceptance and its recorded message id', () => {
  let fake: FakeTelegram;
  let proxy: ChatApiProxy;
  let env: Awaited<ReturnType<typeof demoApp>>;
  let dbPath: string;
  let storyId: number;
  /** Alerts whose message id was recorded: the ones that can be edited. */
  let sentAlerts = 0;
  /** Messages Telegram accepted by the end of the first test. */
  let messagesAfterAlerts = 0;
  const vc = new VirtualClock(Date.now());

  beforeAll(async () => {
    fake = await new FakeTelegram().start();
    proxy = await new ChatApiProxy(fake.apiRoot).start();
    env = await demoApp(vc);
    dbPath = env.app.db.name;
    const subs = env.app.delivery.subscriptions;
    for (const chat of CHATS) {
      await subs.subscribe('telegram', chat);
      await subs.setAlerts('telegram', chat, '3');
    }
    const grow = new StoryGrower(env.app.db, vc.clock);
    storyId = await grow.create('Patriot launchers cross into Ukraine', 'The launchers crossed the border.', 'Reuters');
    await grow.report(storyId, 'AP');
    await grow.report(storyId, 'DW');
    // Queued only: this process has no chat adapter, the child processes send.
    expect(await env.app.delivery.alerts.queue()).toEqual({ alerts: CHATS.length, edits: 0 });
  });
  afterAll(async () => {
    await env.cleanup();
    await proxy.stop();
    await fake.stop();
  });

  const children: ChildProcess[] = [];
  afterEach(() => children.splice(0).forEach((c) => c.exitCode === null && c.signalCode === null && c.kill('SIGKILL')));

  /** The outbox sender in its own process (delivery-child.ts), until nothing is left to send. */
  const run = async (killAt?: (path: string) => boolean): Promise<number | null> => {
    // One send at a time, so the kill at the first acceptance cuts exactly one send short, however
    // loaded the machine (with sends in parallel, how many are under way at the kill is up to timing).
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dbPath, proxy.url], { cwd: ROOT, env: { ...process.env, WORKER_ID: 'alerts-crash', SEND_CONCURRENCY: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    let armed = killAt !== undefined;
    proxy.onAnswer = async (url) => {
      if (!armed || !killAt!(url)) return;
      armed = false;
      // Accepted by Telegram; the process dies before the answer reaches it.
      child.kill('SIGKILL');
      await exited;
    };
    child.stdin!.end('go\n');
    const code = await exited;
    proxy.onAnswer = undefined;
    if (code !== 0 && code !== null) throw new Error(`sender exited ${code}: ${stderr}`);
    return code;
  };
  const db = () => new Database(dbPath, { readonly: true });

  it('never sends an alert twice: the unknown outcome is not resent, the others go once', async () => {
    expect(await run((url) => url.endsWith('/sendMessage'))).toBeNull(); // killed at the first acceptance
    const acceptedBeforeKill = new Set(fake.sent.map((m) => m.chat_id));
    expect(acceptedBeforeKill.size).toBe(1);
    expect(await run()).toBe(0);

    const conn = db();
    const rows = conn
      .prepare("SELECT s.chat_id AS chat, d.status, d.last_error AS error FROM digests d JOIN subscriptions s ON s.id = d.subscription_id WHERE d.kind = 'alert' ORDER BY s.chat_id")
      .all() as { chat: string; status: string; error: string | null }[];
    conn.close();
    expect(rows).toHaveLength(CHATS.length);
    // Never twice, whatever the kill cut short.
    for (const chat of CHATS) expect(fake.messagesTo(chat).length, chat).toBeLessThanOrEqual(1);
    // The alert whose answer the kill cut off has an unknown outcome (Telegram has it, its id was
    // never saved): it is not sent again.
    const unknown = rows.filter((r) => r.status === 'failed');
    expect(unknown.map((r) => r.chat)).toEqual([...acceptedBeforeKill]);
    for (const r of unknown) expect(r.error).toMatch(/unknown outcome.*never gets the alert twice/);
    // Every other alert went exactly once, recorded as sent.
    for (const r of rows.filter((r) => r.status !== 'failed')) {
      expect(r).toMatchObject({ status: 'sent', error: null });
      expect(fake.messagesTo(r.chat), r.chat).toHaveLength(1);
    }
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(CHATS.length - 1);
    const first = unknown[0]!.chat;
    sentAlerts = rows.filter((r) => r.status === 'sent').length;
    messagesAfterAlerts = fake.sent.length;

    // Its alert is not known to have been sent: the story stays in that chat's next digest, unmarked.
    const sub = (await env.app.delivery.subscriptions.get('telegram', first))!;
    const digest = await buildDigest(env.app.db, env.app.config, sub, vc.now, vc.now);
    const story = digest.stories.find((s) => s.id === storyId)!;
    expect(story.alertedAt).toBeUndefined();
    const other = await buildDigest(env.app.db, env.app.config, (await env.app.delivery.subscriptions.get('telegram', rows.find((r) => r.status === 'sent')!.chat))!, vc.now, vc.now);
    expect(other.stories.find((s) => s.id === storyId)!.alertedAt).toMatch(/^\d\d:\d\d$/);
  }, 60_000);

  it('sends an edit again after a kill, and Telegram’s "message is not modified" completes it', async () => {
    await new StoryGrower(env.app.db, vc.clock).report(storyId, 'BBC');
    vc.now = Date.now() + 11 * 60_000; // the alerts are more than 10 minutes old
    const queued = await env.app.delivery.alerts.queue();
    expect(sentAlerts).toBeGreaterThanOrEqual(1);
    expect(queued).toEqual({ alerts: 0, edits: sentAlerts }); // an alert of unknown outcome has no message id to edit
    // Due now on the child's real clock.
    sqliteOf(env.app).prepare("UPDATE digests SET next_attempt_at = ? WHERE kind = 'edit'").run(Date.now());

    expect(await run((url) => url.endsWith('/editMessageText'))).toBeNull();
    expect(fake.edits).toHaveLength(1);
    expect(await run()).toBe(0);
    // Every edit applied once; the one killed was sent again and answered "not modified".
    expect(fake.edits).toHaveLength(sentAlerts);
    expect(new Set(fake.edits.map((e) => e.chat_id)).size).toBe(sentAlerts);
    // At least the one killed was sent again: Telegram answered "not modified", which counts as done.
    expect(fake.calls.filter((c) => c.method === 'editMessageText').length).toBeGreaterThan(sentAlerts);
    const conn = db();
    expect(conn.prepare("SELECT status, count(*) AS n FROM digests WHERE kind = 'edit' GROUP BY status").all()).toEqual([{ status: 'sent', n: sentAlerts }]);
    expect(conn.prepare("SELECT sum(p.resends) FROM digest_parts p JOIN digests d ON d.id = p.digest_id WHERE d.kind = 'edit'").pluck().get()).toBeGreaterThanOrEqual(1);
    conn.close();
    for (const e of fake.edits) expect(e.text).toContain('4 sources');
    expect(fake.sent).toHaveLength(messagesAfterAlerts); // edits, never new messages
  }, 60_000);
});
