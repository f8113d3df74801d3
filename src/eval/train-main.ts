import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../config/load.js';
import { topicWords } from '../stories/weights.js';
import { loadEcbPlus, loadTopicEvents } from './stories.js';
import { calibrateUndated, trainDated } from './train.js';

/**
 * `npm run train`: learns the story grouper's decisions and writes them to
 * src/stories/event-model.json, the reviewed data the product ships. Dated decisions from the
 * in-topic event set's dev split; the undated cut points from ECB+. Never from the holdout.
 */
const { values } = parseArgs({ options: { corpus: { type: 'string', default: '../shared/corpus' }, config: { type: 'string', default: DEFAULT_CONFIG_FILE } } });
const corpus = path.resolve(values.corpus!);
const config = loadConfig(values.config!);
const topic = config.topics[0]!;
const options = { windowMs: config.stories.window, topicWords: topicWords(topic) };
const started = Date.now();
const dev = loadTopicEvents(path.join(corpus, 'eval/topic-events-dev.jsonl'));
const dated = trainDated(dev, options);
const ecb = path.join(corpus, 'eval/ecbplus.jsonl');
const model = calibrateUndated([loadEcbPlus(ecb, true), loadEcbPlus(ecb, false)], options, dated);
const out = path.resolve('src/stories/event-model.json');
const data = { trainedOn: `dated: eval/topic-events-dev.jsonl (${dev.length} items); undated cut points: eval/ecbplus.jsonl (npm run train)`, ...model };
writeFileSync(out, `${JSON.stringify(data, null, 2)}\n`);
console.log(`wrote ${out} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(`join: dated threshold ${data.join.timed.threshold}, undated textCentroid ≥ ${(-data.join.untimed.bias / 20).toFixed(3)}`);
console.log(`merge: dated threshold ${data.merge.timed.threshold}, undated ${data.merge.untimed.threshold > 1 ? 'off' : `textCentroid ≥ ${(-data.merge.untimed.bias / 20).toFixed(3)}`}`);
