import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, isNode } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.js';

/** A configuration problem; `exitCode` 2 tells the CLI it is the user's file, not a crash. */
export class ConfigError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig extends Config {
  /** Absolute path of the file the config came from. */
  file: string;
}

export const DEFAULT_CONFIG_FILE = 'config/default.yaml';

/** `topics[0].name` from a zod path. */
function formatPath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const key of p) out += typeof key === 'number' ? `[${key}]` : out ? `.${String(key)}` : String(key);
  return out || '(top level)';
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      const received = (issue as { input?: unknown }).input;
      const got = received === undefined ? 'nothing' : received === null ? 'null' : Array.isArray(received) ? 'array' : typeof received;
      return `expected ${issue.expected}, received ${got}`;
    }
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    default:
      return issue.message.replace(/^Invalid input: /, '');
  }
}

/**
 * Reads and validates a YAML config. Every problem is reported as
 * `config/x.yaml: topics[0].name: expected string, received number (line 12)`.
 */
export function loadConfig(file = DEFAULT_CONFIG_FILE, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const shown = path.relative(process.cwd(), path.resolve(file)) || file;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${shown}: cannot read the config file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0];
    throw new ConfigError(`${shown}${line ? `:${line.line}:${line.col}` : ''}: invalid YAML: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  const raw: unknown = doc.toJS() ?? {};
  const result = configSchema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const node = doc.getIn(issue.path as (string | number)[], true);
      // For a missing key, point at its parent; the line is where the user must add it.
      const where = isNode(node) ? node : doc.getIn(issue.path.slice(0, -1) as (string | number)[], true);
      const offset = isNode(where) ? where.range?.[0] : undefined;
      const line = offset !== undefined ? ` (line ${lineCounter.linePos(offset).line})` : '';
      return `${shown}: ${formatPath(issue.path)}: ${describeIssue(issue)}${line}`;
    });
    throw new ConfigError(lines.join('\n'));
  }
  const config = result.data;
  const baseDir = path.dirname(path.resolve(file));
  // Local feeds are written relative to the config file, so the demo works from any directory.
  for (const feed of config.feeds) feed.url = resolveFileUrl(feed.url, baseDir);
  // DATABASE_URL (postgres://…) puts everything in PostgreSQL; else DATABASE_PATH, else the config's `database`.
  if (env.DATABASE_URL?.trim()) {
    if (!/^postgres(?:ql)?:\/\//i.test(env.DATABASE_URL.trim())) throw new ConfigError(`DATABASE_URL: expected a postgres:// or postgresql:// URL, e.g. postgres://news:secret@localhost:5432/news; got "${env.DATABASE_URL.trim().slice(0, 40)}"`);
    config.database = env.DATABASE_URL.trim();
  } else if (env.DATABASE_PATH) config.database = env.DATABASE_PATH;
  if (env.HTTP_PORT) {
    const port = Number(env.HTTP_PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`HTTP_PORT: expected a port number 0-65535, got "${env.HTTP_PORT}"`);
    config.http.port = port;
  }
  // HTTP_HOST: the bind address of /healthz and /metrics (loopback unless opened on purpose).
  if (env.HTTP_HOST?.trim()) config.http.host = env.HTTP_HOST.trim();
  const ids = new Set<string>();
  config.topics.forEach((t, i) => {
    if (ids.has(t.id)) throw new ConfigError(`${shown}: topics[${i}].id: duplicate topic id "${t.id}"`);
    ids.add(t.id);
  });
  return { ...config, file: path.resolve(file) };
}

/** `file:demo-feeds/a.xml` → `file:///abs/config/demo-feeds/a.xml`; other URLs unchanged. */
export function resolveFileUrl(url: string, baseDir: string): string {
  if (!/^file:/i.test(url) || url.startsWith('file:///')) return url;
  const rel = url.replace(/^file:(\/\/)?/i, '');
  return 'file://' + path.resolve(baseDir, rel);
}
