import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';

export interface TopicItem {
  id: string;
  title: string;
  description: string;
  url: string;
  source: string;
  published: string;
  relevant: 'yes' | 'no' | 'borderline';
}

export interface StoryItem {
  id: string;
  title: string;
  url?: string;
  source?: string;
  publishedAt?: number;
  story: string;
}

export interface SeedItem {
  file: string;
  text: string;
  date?: string;
}

export function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      try {
        return JSON.parse(l) as T;
      } catch (err) {
        throw new Error(`${file}:${i + 1}: invalid JSON: ${(err as Error).message}`);
      }
    });
}

/** CSV with a header row (quoted fields, commas and newlines inside quotes) via csv-parse. */
export function readCsv(text: string): Record<string, string>[] {
  return parse(text, { columns: true, skip_empty_lines: true, relax_column_count: true }) as Record<string, string>[];
}

export function loadSeeds(dir: string): { seeds: SeedItem[]; stories: Record<string, string[]> } {
  const labels = JSON.parse(readFileSync(path.join(dir, 'labels.json'), 'utf8')) as { stories: Record<string, string[]> };
  const seeds = readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((file) => {
      const raw = readFileSync(path.join(dir, file), 'utf8');
      const m = /^ ?date (\d{4}-\d{2}(?:-\d{2})?) /.exec(raw);
      return { file, text: m ? raw.slice(m[0].length) : raw, date: m?.[1] };
    });
  return { seeds, stories: labels.stories };
}

export function corpusFiles(dir: string) {
  const f = (p: string) => (existsSync(path.join(dir, p)) ? path.join(dir, p) : undefined);
  return {
    seeds: existsSync(path.join(dir, 'seeds', 'labels.json')) ? path.join(dir, 'seeds') : undefined,
    topics: f('eval/topic-relevance.jsonl'),
    uci: f('eval/stories-uci.csv'),
    googlenews: f('eval/stories-googlenews.jsonl'),
    topicEvents: f('eval/topic-events-dev.jsonl'),
    ecbplus: f('eval/ecbplus.jsonl'),
    /** Held out: scored only with `eval --holdout`, to report a finished change. */
    holdout: f('holdout/topic-events-holdout.jsonl'),
  };
}
