import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IdfModel } from '../src/stories/idf.js';
import { contentWords, GrowingSummary, jaccard, MAX_JACCARD, maxPairJaccard, summarise, summariseUpdate, type SummaryInput } from '../src/stories/summarise.js';
import { ROOT } from './helpers/app.js';

// Four invented reports of one event: three outlets rewrite the same fact in their own words.
const TRANSFER = 'Japan will transfer Patriot missiles to the United States to refill American stocks drained by aid to Ukraine, officials in Tokyo said on Friday.';
const SELL = 'Tokyo agreed on Friday to sell Patriot interceptors to Washington, which has sent many of its own to Ukraine.';
const PROVIDE = 'Japan will provide the United States with Patriot missiles from its own stocks, the defence ministry said.';
const PARAPHRASES = [TRANSFER, SELL, PROVIDE];
const REACTION = 'The White House welcomed the decision and said it would help Washington keep supplying Kyiv this winter.';
const TIMING = 'The first batch of about twenty interceptors is due to leave Japan in March, a defence official said.';

const reports: SummaryInput[] = [
  { title: 'Japan to transfer Patriot missiles to US', description: TRANSFER, body: `${TRANSFER}\n${TIMING}` },
  { title: 'Tokyo agrees to sell Patriot interceptors to Washington', description: SELL, body: `${SELL}\n${REACTION}` },
  { title: 'Japan to provide US with Patriot missiles', description: PROVIDE, body: `${PROVIDE}\nThe move is a break with decades of strict limits on Japanese arms exports.` },
  { title: 'White House welcomes Japan Patriot decision', description: REACTION, body: '' },
];

describe('content words', () => {
  it('folds spellings, capitals and transfer verbs, and drops words that state no fact', () => {
    expect([...contentWords('Tokyo agreed to sell Patriot interceptors to Washington, officials said.')]).toEqual(['japan', 'transfer', 'patriot', 'missil', 'us', 'offici']);
    expect(contentWords('the U.S.')).toEqual(contentWords('the United States'));
    expect(contentWords('the White House')).not.toEqual(contentWords('the United States'));
    expect(contentWords('$952.4 million on 22 December')).toEqual(new Set(['952.4', 'million', '22', 'decemb']));
  });

  it('measures overlap as Jaccard of content words', () => {
    expect(jaccard(contentWords(TRANSFER), contentWords(TRANSFER))).toBe(1);
    expect(maxPairJaccard([TRANSFER])).toBe(0);
    expect(maxPairJaccard([TRANSFER, SELL])).toBeGreaterThan(MAX_JACCARD);
    expect(maxPairJaccard([TRANSFER, REACTION])).toBeLessThan(0.2);
  });
});

describe('summaries that never say the same thing twice', () => {
  const idf = new IdfModel();

  it('states the event once, then adds facts, on rewrites of one report', () => {
    const s = summarise(reports, idf);
    expect(s.sentences.length).toBeGreaterThanOrEqual(2);
    expect(s.sentences.filter((x) => PARAPHRASES.includes(x))).toHaveLength(1);
    expect(maxPairJaccard(s.sentences)).toBeLessThanOrEqual(MAX_JACCARD);
    // What it says besides the event: the reaction and the timing, not another rewrite.
    expect(s.sentences.slice(1)).toEqual(expect.arrayContaining([REACTION, TIMING]));
  });

  it('says "Japan will transfer / agreed to sell / will provide" once on the demo feeds’ texts', () => {
    const page = readFileSync(path.join(ROOT, 'test/fixtures/seed-002-kyiv-independent.txt'), 'utf8').replace(/^ ?date \S+ /, '');
    const leads = [
      "Japan will transfer missiles for Patriot launchers to the United States; the ultimate goal is to replenish Ukraine's reserves, The Wall Street Journal reported.",
      'Japan on Friday agreed to sell its domestically produced Patriot missiles to the United States as Washington restocks after sending the system to Ukraine.',
      'Japan will provide Patriot missiles to the US, “bolstering global stocks,” WSJ reported on 22 December.',
    ];
    const s = summarise([
      { title: 'Japan to transfer Patriot missiles to US', description: '', body: page },
      { title: "Japan to transfer Patriot missiles to US to replenish Ukraine's reserves — WSJ", description: leads[0]!, body: '' },
      { title: 'WSJ: Japan to provide Patriot missiles to US, bolstering global stocks', description: 'Tokyo is set to transfer dozens of interceptor missiles from its supplies, starting as early as the first quarter of 2024.', body: leads[2]! },
      { title: 'Japan agrees to sell domestically produced Patriot missiles to US', description: leads[1]!, body: '' },
    ], idf);
    expect(s.sentences.length).toBeGreaterThanOrEqual(2);
    expect(s.sentences.filter((x) => leads.includes(x)).length).toBeLessThanOrEqual(1);
    expect(maxPairJaccard(s.sentences)).toBeLessThanOrEqual(MAX_JACCARD);
  });

  it('opens with the lead of the central report (the one whose title is the headline)', () => {
    const s = summarise(reports, idf);
    expect(s.headline).toBe('Japan to transfer Patriot missiles to US');
    expect(s.sentences[0]).toBe(TRANSFER);
  });

  it('opens with another report when the central one has no usable lead', () => {
    const s = summarise([{ ...reports[0]!, description: 'Developing.', body: '' }, ...reports.slice(1)], idf);
    expect(s.sentences.length).toBeGreaterThanOrEqual(2);
    expect(s.sentences.filter((x) => PARAPHRASES.includes(x)).length).toBeLessThanOrEqual(1);
  });
});

describe('"Now also": what later reports add to a summary already read', () => {
  const idf = new IdfModel();
  const previous = { headline: 'Japan to transfer Patriot missiles to US', summary: `${TRANSFER} ${TIMING}` };

  it('gives the new fact of a new report, never the old sentences', () => {
    const added: SummaryInput[] = [
      { title: 'Russia warns Tokyo over Patriot deal', description: 'Russia summoned the Japanese ambassador in Moscow and warned of consequences if the missiles reach Ukraine.', body: TRANSFER },
    ];
    const u = summariseUpdate(previous, added, idf);
    expect(u.sentences).toEqual(['Russia summoned the Japanese ambassador in Moscow and warned of consequences if the missiles reach Ukraine.']);
    expect(u.text).not.toContain(TRANSFER);
  });

  it('says nothing when the new reports only restate the event', () => {
    const added: SummaryInput[] = [
      { title: 'Tokyo agrees to sell Patriot interceptors to Washington', description: SELL, body: PROVIDE },
    ];
    expect(summariseUpdate(previous, added, idf)).toEqual({ text: '', sentences: [] });
  });
});

describe('a growing story', () => {
  // The four reports, then many more outlets rewriting them (each with an outlet-specific detail).
  const many: SummaryInput[] = Array.from({ length: 400 }, (_, i) => {
    const r = reports[i % reports.length]!;
    return { title: r.title, description: r.description, body: `${r.body}\nOutlet ${i} carried the report in its ${i % 2 ? 'morning' : 'evening'} bulletin number ${i}.` };
  });

  it('keeps a faithful, non-repeating summary at a cost per added article that does not grow with the story', () => {
    const idf = new IdfModel();
    const growing = new GrowingSummary(idf);
    const cost: number[] = [];
    for (const a of many) {
      const started = performance.now();
      growing.add([a]);
      growing.summary();
      cost.push(performance.now() - started);
    }
    const s = growing.summary();
    const texts = new Set(many.flatMap((a) => [a.title, ...`${a.description}\n${a.body}`.split('\n')]));
    expect(texts.has(s.headline)).toBe(true);
    for (const sentence of s.sentences) expect(texts.has(sentence), sentence).toBe(true);
    expect(s.sentences.length).toBeGreaterThan(1);
    expect(maxPairJaccard([s.headline, ...s.sentences].slice(1))).toBeLessThanOrEqual(MAX_JACCARD);
    // What a full summary of all 400 would open with: the same event.
    expect(jaccard(contentWords(s.headline), contentWords(summarise(many, idf).headline))).toBeGreaterThan(0.5);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    // The last 100 updates cost about what updates 50-150 did (bounded pools), not the 4× and more a full summary would take.
    expect(mean(cost.slice(300))).toBeLessThan(3 * mean(cost.slice(50, 150)) + 1);
  });
});
