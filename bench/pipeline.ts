import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiledScript } from './compiled.js';

interface RunResult {
  wallS: number;
  cpuS: number;
  peakRssMb: number;
  processed: number;
  onTopic: number;
  pages: number;
  stories: number;
  articles: number;
  stages: Record<string, number>;
}

/** `BENCH_TSX=1`: the children run the TypeScript sources under tsx, for comparison with the compiled run. */
const underTsx = process.env.BENCH_TSX === '1';
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/**
 * Runs a bench script in its own Node process (so its CPU time and memory are its own), compiled
 * to JavaScript as `npm start` runs the bot; returns its last stdout line.
 */
function child(script: string, args: string[], onFirstLine?: (line: string) => void): { done: Promise<string>; kill: () => void } {
  const argv = underTsx ? ['--import', 'tsx', here(script), ...args] : [compiledScript(script), ...args];
  const p = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let first = true;
  p.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (first && out.includes('\n')) {
      first = false;
      onFirstLine?.(out.split('\n')[0]!);
    }
  });
  const done = new Promise<string>((resolve, reject) => {
    p.once('error', reject);
    p.once('exit', (code) => (code === 0 ? resolve(out.trim().split('\n').pop() ?? '') : reject(new Error(`${script} exited with ${code}`))));
  });
  return { done, kill: () => p.kill() };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * The whole path of a poll (fetch, parse, store, topics, term statistics, page fetches for thin
 * on-topic items, stories, summaries) on `feeds` local feeds × 50 items, 5% on the topic, half of
 * those thin with a page served locally; the feeds are served by another process. Each run is a
 * process of its own, on a fresh database and on one pre-filled with `prefill` articles and 20
 * long-running stories in the active window (bench/pipeline-prefill.ts). Prints the medians of
 * `runs` runs: articles per CPU second, CPU s, peak RSS, the split by stage.
 */
export async function benchPipeline(feeds = 1000, runs = 3, prefill = Number(process.env.BENCH_PREFILL ?? 1_000_000)): Promise<void> {
  let port = 0;
  const farm = child('./pipeline-feeds.ts', ['50'], (line) => (port = Number(line)));
  while (!port) await new Promise((r) => setTimeout(r, 20));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nd-pipe-'));
  try {
    const measure = async (label: string, template?: string) => {
      const results: RunResult[] = [];
      for (let i = 0; i < runs; i++) {
        const db = path.join(dir, `${label}-${i}.db`);
        if (template) copyFileSync(template, db);
        results.push(JSON.parse(await child('./pipeline-run.ts', [db, String(port), String(feeds)]).done) as RunResult);
        rmSync(db, { force: true });
      }
      const m = (f: (r: RunResult) => number) => median(results.map(f));
      const items = feeds * 50;
      const stages = Object.keys(results[0]!.stages).map((s) => `${s} ${m((r) => r.stages[s] ?? 0).toFixed(1)} s`);
      console.log(`  ${label}: ${m((r) => r.cpuS).toFixed(1)} s CPU (${Math.round(items / m((r) => r.cpuS))} articles per CPU second), ${m((r) => r.wallS).toFixed(1)} s wall, peak RSS ${m((r) => r.peakRssMb).toFixed(0)} MB`);
      console.log(`    runs: ${results.map((r) => `${r.cpuS.toFixed(1)} s / ${r.peakRssMb.toFixed(0)} MB`).join(', ')}; ${results[0]!.processed} processed, ${results[0]!.onTopic} on topic, ${results[0]!.pages} pages, ${results[0]!.stories} new or grown stories; by stage (wall): ${stages.join(', ')}`);
      return { cpu: m((r) => r.cpuS), rss: m((r) => r.peakRssMb) };
    };
    console.log(`pipeline: ${feeds} feeds × 50 items (${feeds * 50} items, 5% on topic, half of those thin with a local page), median of ${runs} runs, ${underTsx ? 'TypeScript under tsx' : 'compiled JavaScript (as npm start runs it)'}`);
    const fresh = await measure('fresh database');
    if (prefill > 0) {
      const template = path.join(dir, 'prefilled.db');
      const started = performance.now();
      const made = JSON.parse(await child('./pipeline-prefill.ts', [template, String(prefill)]).done) as { articles: number; longStories: number; largest: number };
      console.log(`  pre-filled: ${made.articles} articles, ${made.longStories} stories of 500+ reports (largest ${made.largest}) in the active window, built in ${((performance.now() - started) / 1000).toFixed(0)} s`);
      const full = await measure('pre-filled database', template);
      console.log(`  pre-filled / fresh: ${(full.cpu / fresh.cpu).toFixed(2)}× CPU, ${(full.rss / fresh.rss).toFixed(2)}× peak RSS`);
    }
  } finally {
    farm.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
