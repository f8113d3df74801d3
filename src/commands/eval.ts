import { existsSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../config/load.js';
import type { Logger } from '../logger.js';
import { corpusFiles, loadSeeds, readJsonl, type TopicItem } from '../eval/corpus.js';
import { evaluateTopic } from '../eval/topics.js';
import { evaluateStories, loadEcbPlus, loadGoogleNews, loadTopicEvents, loadUci, type StoryEvalOptions, type StoryEvalResult } from '../eval/stories.js';
import { evaluateSeeds } from '../eval/seeds.js';
import { topicWords } from '../stories/weights.js';
import { UsageError, type CliOptions } from './context.js';

const pct = (x: number) => x.toFixed(3);
/** Shuffled orders scored for corpora without time. */
const SHUFFLES = 5;

/**
 * `eval [--corpus DIR] [--holdout] [--json]`: topic and story quality on the labelled corpus.
 * `--json` prints one object, one key per corpus (stable, for scripts).
 */
export async function evalCommand(options: CliOptions, args: string[], out: (l: string) => void, _log: Logger): Promise<number> {
  if (args.length) throw new UsageError(`eval: unexpected argument "${args[0]}"; usage: eval [--corpus DIR] [--holdout] [--json]`);
  const dir = path.resolve(options.corpus ?? '../shared/corpus');
  if (!existsSync(dir)) throw new UsageError(`eval: corpus directory ${dir} not found; pass --corpus DIR`);
  const config = loadConfig(options.config ?? DEFAULT_CONFIG_FILE);
  const files = corpusFiles(dir);
  if (options.holdout && !files.holdout) throw new UsageError(`eval: --holdout: ${path.join(dir, 'holdout/topic-events-holdout.jsonl')} not found`);
  if (!Object.values(files).some(Boolean)) {
    throw new UsageError(`eval: no labelled data in ${dir}: expected seeds/labels.json, eval/topic-relevance.jsonl, eval/topic-events-dev.jsonl, eval/ecbplus.jsonl … (see ../shared/corpus/README.md)`);
  }
  // Progress on stderr, one line per corpus as it is scored (stdout keeps the report or the JSON).
  let mark = performance.now();
  const progress = (what: string) => {
    const now = performance.now();
    process.stderr.write(`eval: ${what} scored in ${((now - mark) / 1000).toFixed(1)} s\n`);
    mark = now;
  };
  const result: Record<string, unknown> = { corpus: dir };
  const topic = config.topics[0]!;
  const base: StoryEvalOptions = { windowMs: config.stories.window, threadThreshold: config.stories.threads.threshold, threadMergeThreshold: config.stories.threads.mergeThreshold };
  const inTopic: StoryEvalOptions = { ...base, topicWords: topicWords(topic) };
  const text: string[] = [];

  if (files.seeds) {
    const { seeds, stories } = loadSeeds(files.seeds);
    const r = evaluateSeeds(seeds, stories, config);
    result.seeds = r;
    text.push(`seeds/ (${seeds.length} articles, ${Object.keys(stories).length} true stories)`);
    text.push(`  relevant: ${Object.values(r.relevant).filter(Boolean).length}/${seeds.length}${Object.entries(r.relevant).filter(([, v]) => !v).map(([f]) => ` missed ${f}`).join('')}`);
    text.push(`  stories: ${r.storiesMatch ? 'as labelled' : 'DIFFERENT from the labels'} (predicted ${r.predictedStories}, true ${r.trueStories}; B-cubed F1 ${pct(r.bcubedF1)})`);
    for (const s of r.summaries) text.push(`    [${s.files.map((f) => f.slice(0, 3)).join(', ')}] ${s.headline}\n      ${s.summary}\n      (largest Jaccard between two sentences: ${pct(s.maxSentenceJaccard)})`);
    text.push(`  boilerplate lines in summaries: ${r.boilerplateInSummaries.length}${r.boilerplateInSummaries.map((l) => `\n    "${l}"`).join('')}`);
    progress(`seeds (${seeds.length} articles)`);
  }
  if (files.topics) {
    const items = readJsonl<TopicItem>(files.topics);
    const r = evaluateTopic(topic, items);
    result.topicRelevance = { topic: topic.id, ...r };
    text.push('', `eval/topic-relevance.jsonl (${r.items} items, ${r.borderlineExcluded} borderline excluded) topic ${topic.id}`);
    text.push(`  precision ${pct(r.precision)}  recall ${pct(r.recall)}  F1 ${pct(r.f1)}  (tp ${r.tp}, fp ${r.fp}, fn ${r.fn})`);
    for (const x of r.falsePositives) text.push(`  false positive ${x.id} (score ${x.score}): ${x.title}`);
    for (const x of r.falseNegatives) text.push(`  false negative ${x.id} (score ${x.score}): ${x.title}`);
    text.push(`  ${r.seconds.toFixed(3)} s, ${Math.round(r.itemsPerSecond)} items/s`);
    progress(`topic relevance (${r.items} items)`);
  }
  const events = (key: string, file: string, what: string) => {
    const r = evaluateStories(loadTopicEvents(file), { ...inTopic, summaries: true });
    result[key] = r;
    text.push('', `${path.relative(dir, file)} (${r.items} items; ${what}; title + description, real time stamps, cold start)`);
    pushScores(text, r);
    if (r.summaries) text.push(`  summaries of the ${r.summaries.stories} stories of 3+ items: largest content-word Jaccard between two sentences ${pct(r.summaries.maxSentenceJaccard)} (limit 0.5)`);
    progress(`${path.basename(file)} (${r.items} items)`);
  };
  if (files.topicEvents) events('topicEvents', files.topicEvents, 'dev split');
  if (options.holdout && files.holdout) events('topicEventsHoldout', files.holdout, 'HELD OUT: report a finished change, never tune on it');
  if (files.ecbplus) {
    const body = evaluateStories(loadEcbPlus(files.ecbplus, true), { ...base, shuffles: SHUFFLES });
    const titles = evaluateStories(loadEcbPlus(files.ecbplus, false), { ...base, shuffles: SHUFFLES });
    result.ecbplus = { body, titles };
    text.push('', `eval/ecbplus.jsonl (${body.items} full-text articles, no time, mean of ${SHUFFLES} shuffled orders)`);
    text.push('  title + body:');
    pushScores(text, body, '    ');
    text.push('  titles only:');
    pushScores(text, titles, '    ');
    progress(`ECB+ (${body.items} articles, ${SHUFFLES} orders, body and titles)`);
  }
  for (const [key, file, load] of [
    ['storiesUci', files.uci, loadUci],
    ['storiesGooglenews', files.googlenews, loadGoogleNews],
  ] as const) {
    if (!file) continue;
    const r = evaluateStories(load(file), base);
    const { threads, ...eventScores } = r;
    result[key] = { threads, events: eventScores };
    text.push('', `${path.relative(dir, file)} (${r.items} headlines of many subjects; labels are coverage groups: scored by thread)`);
    text.push(`  threads: B-cubed precision ${pct(threads.bcubedPrecision)}  recall ${pct(threads.bcubedRecall)}  F1 ${pct(threads.bcubedF1)}  (${Math.round(threads.predictedStories)} predicted, ${threads.trueStories} true)`);
    text.push(`  stories (events): B-cubed F1 ${pct(r.bcubedF1)} (${Math.round(r.predictedStories)} predicted)`);
    text.push(`  ${r.seconds.toFixed(2)} s, ${Math.round(r.microsecondsPerArticle)} µs/article`);
    progress(`${path.basename(file)} (${r.items} headlines)`);
  }
  if (options.json) out(JSON.stringify(result, null, 2));
  else for (const l of text) out(l);
  return 0;
}

function pushScores(text: string[], r: StoryEvalResult, indent = '  '): void {
  text.push(`${indent}B-cubed precision ${pct(r.bcubedPrecision)}  recall ${pct(r.bcubedRecall)}  F1 ${pct(r.bcubedF1)}`);
  text.push(`${indent}pairwise precision ${pct(r.pairwisePrecision)}  recall ${pct(r.pairwiseRecall)}  F1 ${pct(r.pairwiseF1)}`);
  text.push(`${indent}stories: ${Math.round(r.predictedStories)} predicted, ${r.trueStories} true, largest ${r.largestStory}`);
  text.push(`${indent}${r.seconds.toFixed(2)} s, ${Math.round(r.microsecondsPerArticle)} µs/article`);
}
