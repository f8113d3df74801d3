import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/load.js';
import { runCli } from '../src/cli.js';
import { ROOT, tempDir } from './helpers/app.js';

describe('config', () => {
  const dirs: { cleanup(): void }[] = [];
  afterEach(() => {
    dirs.splice(0).forEach((d) => d.cleanup());
    vi.restoreAllMocks();
  });
  const write = (text: string) => {
    const d = tempDir();
    dirs.push(d);
    const file = path.join(d.dir, 'x.yaml');
    writeFileSync(file, text);
    return file;
  };

  it('loads the bundled configs', () => {
    const config = loadConfig(path.join(ROOT, 'config/default.yaml'), {});
    expect(config.feeds.length).toBeGreaterThanOrEqual(5);
    expect(config.topics[0]!.id).toBe('patriot-ukraine');
    expect(config.fetch).toMatchObject({ timeout: 20_000, maxBytes: 5 * 1024 * 1024, maxRedirects: 5, concurrency: 8 });
    const demo = loadConfig(path.join(ROOT, 'config/demo.yaml'), {});
    expect(demo.feeds.every((f) => f.url.startsWith('file:///'))).toBe(true);
  });

  it('reports the path, the expectation and the line of a wrong value', () => {
    const file = write('topics:\n  - id: t1\n    name: 42\n    groups: [{name: g, weight: 1, terms: [x]}]\n');
    expect(() => loadConfig(file, {})).toThrow(ConfigError);
    try {
      loadConfig(file, {});
    } catch (err) {
      expect((err as Error).message).toMatch(/x\.yaml: topics\[0\]\.name: expected string, received number \(line 3\)/);
    }
  });

  it('reports missing keys, unknown keys and bad durations', () => {
    const file = write('polling:\n  interval: soon\nfeeds:\n  - url: ftp://x\n    colour: red\n');
    let message = '';
    try {
      loadConfig(file, {});
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/polling\.interval: .*duration/);
    expect(message).toMatch(/feeds\[0\]\.url: expected an http\(s\): or file: URL/);
    expect(message).toMatch(/feeds\[0\]: unknown key "colour"/);
    expect(message).toMatch(/topics: expected array, received nothing/);
  });

  it('reports YAML syntax errors with their line', () => {
    const file = write('topics:\n  - id: [unclosed\n');
    expect(() => loadConfig(file, {})).toThrow(/x\.yaml:\d+:\d+: invalid YAML/);
  });

  it('makes the CLI exit with code 2 and a one-line reason', async () => {
    const file = write('topics:\n  - id: t1\n    name: 42\n');
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const code = await runCli(['poll', '--config', file]);
    expect(code).toBe(2);
    expect(String(stderr.mock.calls[0]![0])).toMatch(/^error: .*x\.yaml: topics\[0\]\.name: expected string/);
  });
});
