import learned from './event-model.json' with { type: 'json' };
import { JOIN_FEATURES, MERGE_FEATURES, type JoinFeatures, type MergeFeatures } from './pair-features.js';

/** Logistic weights of one decision: a bias, a weight per feature, and the probability needed. */
export interface LogisticWeights {
  bias: number;
  weights: Record<string, number>;
  threshold: number;
}

/** Weights for when the dates are known, and for undated archives (time features absent). */
export interface Variants {
  timed: LogisticWeights;
  untimed: LogisticWeights;
}

export interface EventModelData {
  /** Where the weights came from (data set, command), for the reviewer. */
  trainedOn: string;
  /** Does an article report the event of this story? */
  join: Variants;
  /** Do these two stories report one event (first reported in two ways)? */
  merge: Variants;
}

/**
 * The two same-event decisions of the story grouper, as logistic models over the comparison
 * features, learned from hand-labelled reports (`npm run train`; the weights are reviewed data
 * in event-model.json). Each is a sum the `explain` command can show term by term.
 */
export class EventModel {
  constructor(readonly data: EventModelData = learned as EventModelData) {}

  /** Probability that the article reports the story's event. */
  joinProbability(x: JoinFeatures): number {
    return logistic(variant(this.data.join, x), JOIN_FEATURES, x);
  }

  joinThreshold(x: { timeKnown: boolean }): number {
    return variant(this.data.join, x).threshold;
  }

  /** Probability that two stories report one event. */
  mergeProbability(x: MergeFeatures): number {
    return logistic(variant(this.data.merge, x), MERGE_FEATURES, x);
  }

  mergeThreshold(x: { timeKnown: boolean }): number {
    return variant(this.data.merge, x).threshold;
  }

  /** Each feature's share of the decision (weight × value), largest first: what `explain` prints. */
  contributions(x: JoinFeatures): { feature: string; value: number; contribution: number }[] {
    const v = variant(this.data.join, x);
    return JOIN_FEATURES.map((f) => ({ feature: f, value: round(x[f]), contribution: round((v.weights[f] ?? 0) * x[f]) }))
      .filter((c) => c.contribution !== 0)
      .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
  }
}

function variant(v: Variants, x: { timeKnown: boolean }): LogisticWeights {
  return x.timeKnown ? v.timed : v.untimed;
}

function logistic<F extends string>(w: LogisticWeights, features: readonly F[], x: Record<F, number>): number {
  let z = w.bias;
  for (const f of features) z += (w.weights[f] ?? 0) * x[f];
  return 1 / (1 + Math.exp(-z));
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
