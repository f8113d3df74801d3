import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { FeedServer, rss } from './helpers/feed-server.js';
import { tempDir, writeConfig } from './helpers/app.js';

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const code = await runCli(args, (l) => lines.push(l));
    return { code, out: lines.join('\n') };
  } finally {
    process.env = saved;
  }
}

describe('CLI', () => {
  const server = new FeedServer();
  const tmp = tempDir();
  let config = '';
  let db = '';
  beforeAll(async () => {
    await server.start();
    server.route('/a.xml', { body: rss('Alpha News', [{ title: 'Japan to send Patriot missiles to the US', link: 'http://a.example/1', guid: 'a1', date: 'Fri, 22 Dec 2023 10:00:00 GMT', description: 'Tokyo will transfer Patriot interceptors.' }]) });
    server.route('/b.xml', { body: rss('Beta News', [{ title: 'Patriots win in overtime', link: 'http://b.example/1', guid: 'b1', date: 'Sat, 23 Dec 2023 10:00:00 GMT', description: 'The NFL team won.' }]) });
    config = writeConfig(tmp.dir, { feeds: [{ url: server.url('/a.xml') }] });
    db = path.join(tmp.dir, 'cli.db');
  });
  afterAll(async () => {
    tmp.cleanup();
    await server.stop();
  });

  it('accepts global options before or after the command', async () => {
    const before = await cli(['--config', config, '--db', db, 'poll']);
    expect(before.code).toBe(0);
    expect(before.out).toMatch(/✓ Alpha News .*1 item, 1 new/);
    const after = await cli(['poll', '--db', db, '--config', config]);
    expect(after.out).toMatch(/0 new articles/);
  });

  it('takes the database from DATABASE_PATH', async () => {
    const other = path.join(tmp.dir, 'env.db');
    await cli(['poll', '--config', config], { DATABASE_PATH: other });
    const { out } = await cli(['articles', '--json', '--config', config, '--db', other]);
    expect(JSON.parse(out)).toHaveLength(1);
  });

  it('prints only JSON with --json', async () => {
    const { code, out } = await cli(['articles', '--json', '--config', config, '--db', db]);
    expect(code).toBe(0);
    const items = JSON.parse(out);
    expect(items[0]).toMatchObject({ url: 'http://a.example/1', title: 'Japan to send Patriot missiles to the US', source: 'Alpha News', publishedAt: '2023-12-22T10:00:00.000Z' });
  });

  it('manages feeds: add, list, import OPML, remove', async () => {
    expect((await cli(['feeds', 'add', server.url('/b.xml'), '--config', config, '--db', db])).out).toMatch(/^added /);
    expect((await cli(['feeds', 'add', server.url('/b.xml'), '--config', config, '--db', db])).out).toMatch(/^already present/);
    const opml = path.join(tmp.dir, 'subs.opml');
    writeFileSync(opml, `<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>
      <outline text="Defence"><outline text="C" title="Gamma" type="rss" xmlUrl="${server.url('/c.xml')}"/>
      <outline text="B" type="rss" xmlUrl="${server.url('/b.xml')}"/></outline></body></opml>`);
    expect((await cli(['feeds', 'import', opml, '--config', config, '--db', db])).out).toBe(`imported ${opml}: 2 feeds found, 1 added, 1 already present`);
    const list = JSON.parse((await cli(['feeds', 'list', '--json', '--config', config, '--db', db])).out);
    expect(list.map((f: { url: string }) => f.url)).toEqual([server.url('/a.xml'), server.url('/b.xml'), server.url('/c.xml')]);
    expect((await cli(['feeds', 'remove', server.url('/c.xml'), '--config', config, '--db', db])).code).toBe(0);
    // Config feeds are removed in the config, not here.
    expect((await cli(['feeds', 'remove', server.url('/a.xml'), '--config', config, '--db', db])).code).toBe(2);
  });

  it('rejects wrong arguments with exit code 2', async () => {
    expect((await cli(['feeds', 'add', 'not a url', '--config', config, '--db', db])).code).toBe(2);
    expect((await cli(['frobnicate', '--config', config, '--db', db])).code).toBe(2);
    expect((await cli(['poll', '--colour', '--config', config, '--db', db])).code).toBe(2);
    expect((await cli(['articles', '--topic', 'nope', '--config', config, '--db', db])).code).toBe(2);
  });
});
