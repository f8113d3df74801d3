import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from './cli.js';

// `npm run demo`: poll the bundled demo feeds into a throw-away database and show the result.
const dir = mkdtempSync(path.join(os.tmpdir(), 'news-digest-demo-'));
const db = path.join(dir, 'demo.db');
const config = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'config', 'demo.yaml');
const steps: [string, string[]][] = [
  ['Polling the demo feeds (config/demo-feeds/)', ['poll']],
  ['Articles and their topic decisions', ['articles']],
  ['Stories', ['stories']],
  ['The digest a new subscriber gets (console format; --format telegram|slack for the others)', ['preview']],
];
let code = 0;
for (const [title, args] of steps) {
  process.stdout.write(`\n=== ${title}\n\n`);
  code = await runCli([...args, '--config', config, '--db', db]);
  if (code !== 0) break;
}
rmSync(dir, { recursive: true, force: true });
process.exitCode = code;
