import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';

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

/** Minimal RFC 4180 CSV reader (quoted fields, doubled quotes, commas and newlines in quotes). */
export function readCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...data] = rows;
  if (!header) return [];
  return data.filter((r) => r.length > 1).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
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
  };
}
