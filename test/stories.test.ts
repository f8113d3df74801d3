import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IdfModel } from '../src/stories/idf.js';
import { StoryClusterer, type ClusterDoc } from '../src/stories/clusterer.js';
import { analyse } from '../src/stories/nlp.js';
import { summarise } from '../src/stories/summarise.js';
import { stripWireSlug } from '../src/stories/title.js';
import { stripBoilerplate } from '../src/ingest/boilerplate.js';
import { clusterScores } from '../src/eval/metrics.js';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';
import { silentLogger } from '../src/logger.js';
import { StoryRepo } from '../src/db/stories.js';
import { ROOT, tempDir } from './helpers/app.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-02T09:00:00Z');

/** A background of unrelated articles so the IDF resembles a real archive. */
function idfWith(docs: ClusterDoc[]): IdfModel {
  const idf = new IdfModel();
  const background = [
    'Central bank holds interest rates steady as inflation cools',
    'Storm brings heavy snow and travel delays to the north',
    'Football club signs new striker on a three-year deal',
    'Tech company unveils new phone with a larger battery',
    'Parliament passes budget after a long night of debate',
    'Farmers report a record wheat harvest this summer',
  ];
  for (let i = 0; i < 40; i++) for (const b of background) idf.observe(analyse(`${b} ${i}`).terms);
  for (const d of docs) {
    const a = analyse(`${d.title}\n${d.lead}`);
    idf.observe([...a.terms, ...a.entities]);
  }
  return idf;
}

const cluster = (docs: ClusterDoc[]) => {
  const c = new StoryClusterer(idfWith(docs), { windowMs: 7 * DAY, threshold: 0.25, mergeThreshold: 0.19 });
  return docs.map((d) => c.add(d));
};

describe('story clustering', () => {
  it('folds copies: the same title, and near-identical text under another title', () => {
    const body = [
      'The Dutch defence ministry said on Monday it will send two more Patriot launchers and a stock of PAC-3 interceptors to Ukraine before winter, after talks with Kyiv on protecting power plants from Russian strikes.',
      'The launchers come from Dutch army stocks and will be replaced by new systems ordered from the manufacturer, the ministry said in a statement.',
      'Ukrainian officials have asked allies for more air defence since Russia resumed large combined attacks on the energy grid in the autumn.',
      'The minister told parliament that training of Ukrainian crews had already begun in Germany and would finish within weeks.',
      'Germany and Romania have also promised Patriot systems this year, while the United States is speeding up production of interceptors.',
    ].join(' ');
    const [a, b, c] = cluster([
      { id: 1, title: 'Netherlands to send two more Patriot launchers to Ukraine', lead: body, text: body, publishedAt: T0 },
      { id: 2, title: 'Netherlands to send two more Patriot launchers to Ukraine - Wire Service', lead: 'Short note.', publishedAt: T0 + 3_600_000 },
      { id: 3, title: 'Dutch pledge air defence', lead: 'Brief.', text: body.replace('Monday', 'Tuesday'), publishedAt: T0 + 7_200_000 },
    ]);
    expect(a!.reason).toBe('first');
    expect(b).toMatchObject({ storyId: a!.storyId, reason: 'same-title', similarity: 1 });
    expect(c).toMatchObject({ storyId: a!.storyId, reason: 'near-copy' });
  });

  it('folds a wire revision ("UPDATE 2-…", "… -- 2nd Update") into the report it revises', () => {
    const [a, b, c] = cluster([
      { id: 1, title: 'Germany to hand Ukraine a third Patriot system', lead: 'Berlin confirmed the delivery.', publishedAt: T0 },
      { id: 2, title: 'UPDATE 2-Germany to hand Ukraine a third Patriot system', lead: 'Adds minister quotes.', publishedAt: T0 + 3_600_000 },
      { id: 3, title: 'Germany to hand Ukraine a third Patriot system -- 2nd Update', lead: 'Adds background.', publishedAt: T0 + 7_200_000 },
    ]);
    expect(b).toMatchObject({ storyId: a!.storyId, reason: 'same-title' });
    expect(c).toMatchObject({ storyId: a!.storyId, reason: 'same-title' });
  });

  it('takes wire slugs off headlines but keeps hyphenated headline words', () => {
    expect(stripWireSlug('RPT-UPDATE 1-GLOBAL MARKETS-World stocks slip after weak China data')).toBe('World stocks slip after weak China data');
    expect(stripWireSlug('EXCLUSIVE-Romania weighs sending second Patriot battery')).toBe('Romania weighs sending second Patriot battery');
    expect(stripWireSlug('Allies pledge more interceptors - 3rd Update')).toBe('Allies pledge more interceptors');
    for (const kept of ['NATO-Russia council meets in Brussels', 'MIM-104 Patriot: how the system works', 'US-Japan deal on Patriot missiles', 'HK-listed stocks fall', 'NORTH KOREA-US talks', 'F-16 jets arrive']) {
      expect(stripWireSlug(kept)).toBe(kept);
    }
  });

  it('groups rewrites of one event and keeps a follow-up days later separate', () => {
    const docs: ClusterDoc[] = [
      { id: 1, title: 'Japan to send Patriot interceptors to the United States', lead: 'Tokyo will transfer domestically built Patriot missiles to Washington, freeing US stocks for Ukraine.', publishedAt: T0 },
      { id: 2, title: 'Tokyo agrees to transfer Patriot missiles to US', lead: 'Japan changed its export rules to ship Patriot interceptors to the US, which can then send more to Ukraine.', publishedAt: T0 + 2 * 3_600_000 },
      { id: 3, title: 'US welcomes Japanese Patriot missile transfer', lead: 'The White House welcomed Japan’s decision to transfer Patriot interceptor missiles to replenish US inventories.', publishedAt: T0 + 5 * 3_600_000 },
      { id: 4, title: 'Russia warns Japan of consequences over Patriot missiles', lead: 'Moscow said Japanese Patriot missiles sent to the US could end up in Ukraine and threatened serious consequences for Tokyo.', publishedAt: T0 + 5 * DAY },
    ];
    const [a, b, c, d] = cluster(docs);
    expect(b!.storyId).toBe(a!.storyId);
    expect(c!.storyId).toBe(a!.storyId);
    expect(d!.storyId).not.toBe(a!.storyId);
    expect(d!.isNew).toBe(true);
  });

  it('does not merge unrelated stories of the same day', () => {
    const [a, b] = cluster([
      { id: 1, title: 'Germany delivers IRIS-T battery to Ukraine', lead: 'Berlin handed over another IRIS-T SLM air-defence system.', publishedAt: T0 },
      { id: 2, title: 'Central bank holds interest rates steady', lead: 'Inflation cooled for the third month in a row.', publishedAt: T0 + 3_600_000 },
    ]);
    expect(b!.storyId).not.toBe(a!.storyId);
  });

  it('evicts stories that ended a window ago, so cost does not grow with the archive', () => {
    const c = new StoryClusterer(new IdfModel(), { windowMs: 2 * DAY, threshold: 0.25 });
    for (let i = 0; i < 600; i++) c.add({ id: i, title: `Unique event number ${i} happened today`, lead: `Detail ${i} zx${i}`, publishedAt: T0 + i * 3_600_000 });
    // 600 hourly stories; only those within about two days (+ the eviction batch) stay active.
    expect(c.activeStories).toBeLessThan(48 + 256 + 1);
  });
});

describe('boilerplate and summaries', () => {
  // The corpus copy starts with a " date YYYY-MM-DD " marker that is not part of the page.
  const seed002 = readFileSync(path.join(ROOT, 'test/fixtures/seed-002-kyiv-independent.txt'), 'utf8').replace(/^ ?date \S+ /, '');

  it('strips navigation, subscription pleas, captions and bylines from a real page', () => {
    const text = stripBoilerplate(seed002);
    for (const junk of ['Skip to content', 'Newsletters', 'Support independent journalism', 'Subscribe', 'indicates required', 'Getty Images', 'This audio is created', 'min read', 'Please, enter correct email', 'visa masterCard']) {
      expect(text).not.toContain(junk);
    }
    expect(text.split('\n')[0]).toBe('Japan to transfer Patriot missiles to US');
    expect(text).toContain('Japan changed its laws regarding arms exports');
  });

  it('drops a "Read also" block with its links', () => {
    const text = stripBoilerplate('Japan will send missiles to the US.\nRead also:\n- ISW: something else\n- Another link\nThe funds will be used for recovery.');
    expect(text).toBe('Japan will send missiles to the US.\nThe funds will be used for recovery.');
  });

  it('writes 2-3 whole sentences within 450 characters, none of them boilerplate', () => {
    const idf = new IdfModel();
    const articles = [
      { title: 'Japan to transfer Patriot missiles to US', description: '', body: seed002 },
      { title: 'Japan agrees to sell Patriot missiles to US', description: 'Japan on Friday agreed to sell its domestically produced Patriot missiles to the United States. Washington had been looking to source the missiles after sending the system to Ukraine.', body: '' },
    ];
    const s = summarise(articles, idf);
    expect(s.sentences.length).toBeGreaterThanOrEqual(2);
    expect(s.sentences.length).toBeLessThanOrEqual(3);
    expect(s.text.length).toBeLessThanOrEqual(450);
    for (const sentence of s.sentences) {
      expect(sentence).toMatch(/[.!?]["”’]?$/);
      const fromSource = articles.some((a) => `${a.description} ${a.body}`.replace(/\s+/g, ' ').includes(sentence));
      expect(fromSource).toBe(true);
    }
    expect(s.text).not.toMatch(/subscribe|newsletter|support independent journalism|getty images/i);
    expect(articles.map((a) => a.title)).toContain(s.headline);
  });

  it('skips sentences damaged by the page (run together, or a link dropped before the full stop)', () => {
    const s = summarise([
      {
        title: 'Russia warns Japan over Patriot missiles',
        description: '',
        body: [
          'Relations between Moscow and Tokyo have deteriorated sharply since the 2022 In February, Russia sent troops to Ukraine.',
          'Japan has joined its Western allies in imposing sanctions on Russia, according to .',
          'Russia said the Patriot missiles Japan sends to the United States could end up in Ukraine.',
          'Moscow warned of serious consequences for relations with Tokyo if that happened.',
        ].join(' '),
      },
    ], new IdfModel());
    expect(s.sentences.length).toBeGreaterThanOrEqual(2);
    expect(s.text).not.toMatch(/2022 In February|according to \./);
  });

  it('shows the headline without a wire slug', () => {
    const s = summarise([
      { title: 'UPDATE 1-Japan to transfer Patriot missiles to US', description: 'Japan will ship Patriot interceptors to the United States. The move frees US stocks for Ukraine.', body: '' },
    ], new IdfModel());
    expect(s.headline).toBe('Japan to transfer Patriot missiles to US');
  });
});

describe('B-cubed metrics', () => {
  it('scores a known example', () => {
    // truth: {1,2,3} {4,5}; predicted: {1,2} {3,4,5}
    const s = clusterScores(['a', 'a', 'b', 'b', 'b'], ['x', 'x', 'x', 'y', 'y']);
    expect(s.bcubedPrecision).toBeCloseTo((1 + 1 + 1 / 3 + 2 / 3 + 2 / 3) / 5, 10);
    expect(s.bcubedRecall).toBeCloseTo((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1) / 5, 10);
    expect(s.pairwisePrecision).toBeCloseTo(2 / 4, 10);
    expect(s.predictedStories).toBe(2);
    expect(clusterScores([1, 1, 2], ['x', 'x', 'y']).bcubedF1).toBe(1);
  });
});

describe('the seed story end to end (demo feeds → poll → stories)', () => {
  it('puts the four Japan-transfer reports in one story and the Russian warning in another', async () => {
    const { dir, cleanup } = tempDir();
    const app = createApp(loadConfig(path.join(ROOT, 'config/demo.yaml'), {}), silentLogger, { dbPath: path.join(dir, 'seed.db') });
    try {
      const report = await app.pipeline.poll();
      expect(report.relevantArticles).toBe(5);
      expect(report.newStories).toBe(2);
      const repo = new StoryRepo(app.db);
      const stories = repo.list();
      const titles = stories.map((s) => repo.members(s.id).map((m) => m.title));
      const japan = titles.find((t) => t.length === 4)!;
      expect(japan).toHaveLength(4);
      expect(japan.every((t) => /Japan/.test(t))).toBe(true);
      expect(titles.find((t) => t.length === 1)).toEqual(['Russia warns Japan over supply of Patriot air defense systems to Ukraine']);
      const japanStory = stories.find((s) => s.article_count === 4)!;
      expect(japanStory.source_count).toBe(3);
      expect(japanStory.summary.length).toBeGreaterThan(80);
      expect(japanStory.summary.length).toBeLessThanOrEqual(450);
      expect(japanStory.summary).not.toMatch(/Newsletter|Subscribe|Support independent journalism|Skip to content|Getty/i);
      // NFL and the grain story stay out.
      expect(app.db.prepare('SELECT count(*) FROM article_topics WHERE relevant = 0').pluck().get()).toBe(2);
      // Polling again changes nothing.
      const again = await app.pipeline.poll();
      expect(again).toMatchObject({ newArticles: 0, newStories: 0, updatedStories: 0 });
    } finally {
      app.close();
      cleanup();
    }
  });
});
