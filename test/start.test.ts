import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir, writeConfig } from './helpers/app.js';

const TSX = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs');
const CLI = path.join(ROOT, 'src/cli.ts');

/** The CLI as a user runs it (`npm run cli -- …` runs this), from `cwd`, with `env` added. */
function cli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [TSX, CLI, ...args], { cwd: options.cwd ?? ROOT, env: { ...process.env, LOG_LEVEL: '', ...options.env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.replace(/^npm warn.*\n/gm, '') };
}

describe('the first hour: clear errors, exit codes, nothing created by mistake', () => {
  const { dir, cleanup } = tempDir();
  const config = writeConfig(dir);
  afterAll(cleanup);

  it('a --db that is a directory, not a database, or missing for a read command', () => {
    mkdirSync(path.join(dir, 'adir'));
    writeFileSync(path.join(dir, 'feeds.opml'), '<opml version="2.0"><body/></opml>');
    expect(cli(['stories', '--config', config, '--db', path.join(dir, 'adir')])).toMatchObject({ code: 1, stderr: `error: database ${path.join(dir, 'adir')} is a directory: give a file path (e.g. ${path.join(dir, 'adir', 'news-digest.db')})\n` });
    const notDb = cli(['stories', '--config', config, '--db', path.join(dir, 'feeds.opml')]);
    expect(notDb).toMatchObject({ code: 1, stderr: `error: ${path.join(dir, 'feeds.opml')} is not an SQLite database (give the bot's .db file with --db or DATABASE_PATH)\n` });
    const missing = path.join(dir, 'typo', 'x.db');
    const r = cli(['stories', '--config', config, '--db', missing]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: no database at ${missing}: run \`npm run cli -- poll\` or \`npm start\` first, or pass --db with an existing file\n`);
    expect(existsSync(missing)).toBe(false);
    expect(existsSync(path.dirname(missing))).toBe(false);
  }, 120_000);

  it('config values checked at load: time zone (with the closest names), schedule, poll tick; LOG_LEVEL', () => {
    const base = readFileSync(config, 'utf8');
    const bad = (name: string, text: string) => {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      return cli(['stories', '--config', file, '--db', path.join(dir, 'none.db')]);
    };
    const tz = bad('tz.yaml', `${base}digest:\n  timezone: Europe/Kiyv\n`);
    expect(tz.code).toBe(2);
    expect(tz.stderr).toMatch(/tz\.yaml: digest\.timezone: unknown time zone "Europe\/Kiyv"; expected an IANA name such as Europe\/Kyiv or UTC \(did you mean Europe\/Kiev.*\) \(line \d+\)\n$/);
    expect(bad('mars.yaml', `${base}digest:\n  timezone: Mars/Olympus\n`).stderr).toMatch(/digest\.timezone: unknown time zone "Mars\/Olympus"/);
    const sched = bad('sched.yaml', `${base}digest:\n  schedule: sometimes\n`);
    expect(sched.code).toBe(2);
    expect(sched.stderr).toMatch(/digest\.schedule: "sometimes" is not a schedule; use daily 08:00 .* \(line \d+\)/);
    expect(bad('often.yaml', `${base}digest:\n  schedule: "* * * * *"\n`).stderr).toMatch(/digest\.schedule: .*1 minute apart; leave at least 15 minutes/);
    expect(bad('tick.yaml', `${base}polling:\n  tick: every now and then\n`).stderr).toMatch(/polling\.tick: expected a node-cron expression/);
    expect(bad('broken.yaml', `${base}topics: [\n`).stderr).toMatch(/broken\.yaml:\d+:\d+: invalid YAML: .*[^:]\n$/);
    writeFileSync(path.join(dir, 'broken.opml'), '<opml><body><outline xmlUrl="https://a.example/f"/></body>');
    expect(cli(['feeds', 'import', path.join(dir, 'broken.opml'), '--config', config, '--db', path.join(dir, 'opml.db')])).toMatchObject({ code: 2, stderr: `error: feeds import: ${path.join(dir, 'broken.opml')} is not valid XML: Unclosed tag 'opml' (line 1, column 1)\n` });
    writeFileSync(path.join(dir, 'js.opml'), '<opml><body><outline xmlUrl="javascript:alert(1)"/><outline xmlUrl="https://a.example/f"/></body></opml>');
    const imported = cli(['feeds', 'import', path.join(dir, 'js.opml'), '--config', config, '--db', path.join(dir, 'opml.db')]);
    expect(imported.stdout).toBe(`imported ${path.join(dir, 'js.opml')}: 1 feed found, 1 added, 0 already present\n  skipped javascript:alert(1): only http and https feeds are read\n`);
    const level = cli(['stories', '--config', config], { env: { LOG_LEVEL: 'verbose' } });
    expect(level).toMatchObject({ code: 2, stderr: 'error: LOG_LEVEL: expected one of trace, debug, info, warn, error, fatal, silent, got "verbose"\n' });
  }, 120_000);

  it('.env in the working directory is read by the CLI too (the same database as npm start)', () => {
    const work = path.join(dir, 'work');
    mkdirSync(work);
    const db = path.join(work, 'from-env.db');
    writeFileSync(path.join(work, '.env'), `DATABASE_PATH=${db}\n`);
    const r = cli(['poll', '--config', config], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(db)).toBe(true);
  }, 120_000);
});

describe('the CLI: --version, <command> --help, --limit, times in the configured zone', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  it('answers each as documented', () => {
    const version = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;
    expect(cli(['--version'])).toMatchObject({ code: 0, stdout: `news-digest ${version}\n` });
    const help = cli(['stories', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}stories \[--topic ID\] \[--since ISO\] \[--limit N\] \[--json\]$/m);
    expect(help.stdout).not.toMatch(/^ {2}poll/m);

    const config = writeConfig(dir, { feeds: [{ url: `file://${path.join(ROOT, 'config/demo-feeds/world-desk.xml')}` }], digest: { timezone: 'Asia/Tokyo' } });
    const db = path.join(dir, 'demo.db');
    expect(cli(['poll', '--config', config, '--db', db]).code).toBe(0);
    const all = JSON.parse(cli(['articles', '--config', config, '--db', db, '--json']).stdout) as { publishedAt: string }[];
    expect(all.length).toBeGreaterThan(2);
    expect(JSON.parse(cli(['articles', '--config', config, '--db', db, '--json', '--limit', '2']).stdout)).toHaveLength(2);
    const text = cli(['articles', '--config', config, '--db', db, '--limit', '1']).stdout;
    const tokyo = new Date(Date.parse(all[0]!.publishedAt) + 9 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
    expect(text).toMatch(/^times in Asia\/Tokyo/);
    expect(text).toContain(tokyo);
    const preview = JSON.parse(cli(['preview', '--config', config, '--db', db, '--json', '--format', 'telegram']).stdout) as { digest: { stories: unknown[] }; format: string; messages: string[] };
    expect(preview.format).toBe('telegram');
    expect(preview.digest.stories.length).toBeGreaterThan(0);
    expect(preview.messages[0]).toContain('<b>');
    expect(cli(['stories', '--config', config, '--db', db, '--limit', 'x'])).toMatchObject({ code: 2, stderr: 'error: stories: --limit expects a whole number of 1 or more, got "x"\n' });
    expect(cli(['stories', '--config', config, '--db', db, '--since', '2099-01-01']).stdout).toMatch(/^no stories since 2099-01-01T00:00:00.000Z \(\d+ stor(y|ies) in all; try an earlier --since or another --topic\)/);
  }, 120_000);
});

describe('the config is the source of truth for its feeds', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  it('a feed taken out of the config is not polled after the next poll, keeps its articles, and can be removed by id', () => {
    const feed = (name: string) => ({ url: `file://${path.join(ROOT, 'config/demo-feeds', name)}` });
    const db = path.join(dir, 'cfg.db');
    const both = writeConfig(dir, { feeds: [feed('world-desk.xml'), feed('ukraine-wire.xml')] });
    // A read command on a fresh path creates nothing; `feeds list` says what the next poll adds.
    expect(cli(['stories', '--config', both, '--db', db]).code).toBe(1);
    expect(existsSync(db)).toBe(false);
    expect(cli(['poll', '--config', both, '--db', db]).code).toBe(0);
    const one = path.join(dir, 'one.yaml');
    writeFileSync(one, readFileSync(both, 'utf8').replace(/\n\s*- url: [^\n]*ukraine-wire\.xml/, ''));
    expect(readFileSync(one, 'utf8')).not.toContain('ukraine-wire');
    const poll = cli(['poll', '--config', one, '--db', db, '--json']);
    expect(poll.code).toBe(0);
    expect((JSON.parse(poll.stdout) as { feeds: { url: string }[] }).feeds.map((f) => f.url)).toEqual([feed('world-desk.xml').url]);
    const list = JSON.parse(cli(['feeds', 'list', '--config', one, '--db', db, '--json']).stdout) as { id: number; url: string }[];
    const gone = list.find((f) => f.url.endsWith('ukraine-wire.xml'))!;
    expect(cli(['feeds', 'list', '--config', one, '--db', db]).stdout).toMatch(/ukraine-wire\.xml.*\[config, removed from it: not polled; `feeds remove` deletes it\]/);
    const articles = JSON.parse(cli(['articles', '--config', one, '--db', db, '--json']).stdout) as unknown[];
    expect(articles.length).toBeGreaterThan(3);
    expect(cli(['feeds', 'remove', String(gone.id), '--config', one, '--db', db])).toMatchObject({ code: 0 });
    expect((JSON.parse(cli(['feeds', 'list', '--config', one, '--db', db, '--json']).stdout) as unknown[]).length).toBe(1);
    expect(cli(['feeds', 'add', 'example.com/rss', '--config', one, '--db', db])).toMatchObject({ code: 2, stderr: 'error: feeds add: "example.com/rss" has no scheme; did you mean feeds add https://example.com/rss ?\n' });
    const added = JSON.parse(cli(['feeds', 'add', feed('ukraine-wire.xml').url, '--config', one, '--db', db, '--json']).stdout) as { added: { url: string }[]; messages: string[] };
    expect(added.added.map((f) => f.url)).toEqual([feed('ukraine-wire.xml').url]);
    expect(added.messages[0]).toMatch(/^added .*ukraine-wire\.xml: RSS 2\.0/);
    expect(cli(['feeds', 'remove', '999', '--config', one, '--db', db])).toMatchObject({ code: 2, stderr: 'error: feeds remove: no feed with id 999 (see: feeds list)\n' });
  }, 180_000);
});

describe('a start that fails exits, releasing everything', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  /** `run` as a real process; resolves with its exit code and output. */
  function start(env: Record<string, string>, config: string) {
    return new Promise<{ code: number | null; stderr: string; ms: number }>((resolve) => {
      const started = performance.now();
      const child = spawn(process.execPath, [TSX, CLI, 'run', '--config', config], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env } });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (code) => resolve({ code, stderr: stderr.replace(/^npm warn.*\n/gm, ''), ms: performance.now() - started }));
    });
  }

  it('a port in use: one line, exit 1, no process left behind', async () => {
    const holder = http.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as AddressInfo).port;
    try {
      const r = await start({ HTTP_PORT: String(port) }, writeConfig(dir, { database: path.join(dir, 'port.db') }));
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`error: port ${port} on 127.0.0.1 is in use by another process: stop it, or set HTTP_PORT (or http.port) to a free port\n`);
    } finally {
      holder.close();
    }
  }, 120_000);

  it('a Telegram token the Bot API rejects: one line, exit 1, the port freed', async () => {
    const api = http.createServer((_req, res) => res.writeHead(401, { 'content-type': 'application/json' }).end('{"ok":false,"error_code":401,"description":"Unauthorized"}'));
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    const free = http.createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const port = (free.address() as AddressInfo).port;
    await new Promise<void>((r) => free.close(() => r()));
    try {
      const token = '5555:AAcanaryTOKENcanaryTOKENcanaryTOKEN12';
      const r = await start({ HTTP_PORT: String(port), TELEGRAM_BOT_TOKEN: token, TELEGRAM_API_ROOT: `http://127.0.0.1:${(api.address() as AddressInfo).port}` }, writeConfig(dir, { database: path.join(dir, 'tg.db') }));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: Telegram rejected TELEGRAM_BOT_TOKEN \(401 Unauthorized\): check the token from @BotFather\n$/m);
      expect(r.stderr).not.toContain('AAcanary');
      // The port it had opened is free again: another server can take it.
      const again = http.createServer();
      await new Promise<void>((resolve, reject) => again.once('error', reject).listen(port, '127.0.0.1', resolve));
      again.close();
    } finally {
      api.close();
    }
  }, 120_000);
});

describe('npm start', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  it('runs compiled JavaScript and stops on SIGTERM to npm within 10 s, database closed, port freed', async () => {
    const config = writeConfig(dir, { http: { port: 0 } });
    const child = spawn('npm', ['start', '--silent', '--', '--config', config], { cwd: ROOT, env: { ...process.env, HTTP_PORT: '0', LOG_FORMAT: 'json', LOG_LEVEL: 'info' } });
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const port = await new Promise<number>((resolve, reject) => {
      const onData = (d: Buffer) => {
        output += d;
        const m = /serving the stories \(\/\), \/healthz and \/metrics on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
        if (m) resolve(Number(m[1]));
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      void exited.then(() => reject(new Error(`npm start exited early:\n${output}`)));
    });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    // The process npm started is node itself (the script execs it), not a loader's child.
    expect(output).not.toMatch(/tsx/);
    // It says what comes next, in local time.
    await expect.poll(() => output).toMatch(/no feeds to poll \(add one: npm run cli -- feeds add URL\), next digest (\d{4}-\d\d-\d\d )?\d\d:\d\d \S+ \(console:stdout\)/);

    const sent = performance.now();
    child.kill('SIGTERM');
    const code = await exited;
    const ms = performance.now() - sent;
    console.log(`npm start: stopped ${ms.toFixed(0)} ms after SIGTERM to npm`);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
    expect(output).toMatch(/stopped; database closed/);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  }, 180_000);
});
