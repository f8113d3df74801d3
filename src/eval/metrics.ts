/** Clustering agreement between predicted and true labels of the same items. */
export interface ClusterScores {
  bcubedPrecision: number;
  bcubedRecall: number;
  bcubedF1: number;
  pairwisePrecision: number;
  pairwiseRecall: number;
  pairwiseF1: number;
  predictedStories: number;
  trueStories: number;
}

const f1 = (p: number, r: number) => (p + r ? (2 * p * r) / (p + r) : 0);

/**
 * B-cubed (Bagga & Baldwin) and pairwise precision/recall, computed from the contingency table
 * in O(items), not over all pairs.
 */
export function clusterScores(predicted: (string | number)[], truth: (string | number)[]): ClusterScores {
  if (predicted.length !== truth.length) throw new Error('predicted and true labels differ in length');
  const n = predicted.length;
  const cell = new Map<string, number>();
  const predSize = new Map<string | number, number>();
  const trueSize = new Map<string | number, number>();
  for (let i = 0; i < n; i++) {
    const key = `${predicted[i]}\u0000${truth[i]}`;
    cell.set(key, (cell.get(key) ?? 0) + 1);
    predSize.set(predicted[i]!, (predSize.get(predicted[i]!) ?? 0) + 1);
    trueSize.set(truth[i]!, (trueSize.get(truth[i]!) ?? 0) + 1);
  }
  let bp = 0, br = 0, samePairs = 0;
  for (const [key, c] of cell) {
    const [p, t] = key.split('\u0000');
    const ps = predSize.get(typeof predicted[0] === 'number' ? Number(p) : p!)!;
    const ts = trueSize.get(typeof truth[0] === 'number' ? Number(t) : t!)!;
    bp += (c * c) / ps;
    br += (c * c) / ts;
    samePairs += (c * (c - 1)) / 2;
  }
  const pairs = (m: Map<unknown, number>) => [...m.values()].reduce((s, c) => s + (c * (c - 1)) / 2, 0);
  const predPairs = pairs(predSize);
  const truePairs = pairs(trueSize);
  const pp = predPairs ? samePairs / predPairs : 1;
  const pr = truePairs ? samePairs / truePairs : 1;
  return {
    bcubedPrecision: bp / n,
    bcubedRecall: br / n,
    bcubedF1: f1(bp / n, br / n),
    pairwisePrecision: pp,
    pairwiseRecall: pr,
    pairwiseF1: f1(pp, pr),
    predictedStories: predSize.size,
    trueStories: trueSize.size,
  };
}
