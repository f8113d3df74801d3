/**
 * Why an article joined its story, in words: the comparison features (src/stories/pair-features.ts)
 * and the join reasons, for the CLI's `explain` and the web's story page alike.
 */
export const FEATURE_WORDS: Record<string, string> = {
  titleCentroid: 'headline close to the headlines of the story’s first reports',
  textCentroid: 'text close to the story’s first reports',
  headShared: 'headline opens with the same words',
  sameActor: 'same actor named first in the headline',
  otherActor: 'another actor named first in the headline',
  namesShared: 'names, places and figures the story has',
  storyNamesCovered: 'names the story’s reports share',
  figureShared: 'a figure in common',
  figureOnlyOther: 'other figures than the story’s',
  storySize: 'size of the story',
  sameSource: 'same outlet as a report of the story',
  textLocal: 'text close, counting words rare in the hours around it',
  titleLocal: 'headline close, counting words rare in the hours around it',
  textGap: 'lead over the next-closest story',
  daysFromFirst: 'time since the story’s first report',
  daysFromSpan: 'time outside the story’s span',
  within12h: 'within 12 hours of the first report',
  within2d: 'within 2 days of the first report',
  textSoon: 'close text within hours of the first report',
  titleSoon: 'close headline within hours of the first report',
};

export interface Evidence {
  probability?: number;
  contributions?: { feature: string; value: number; contribution: number }[];
  merged?: { from: number; probability: number };
}

/** How an article came into its story, as one sentence. */
export function reasonText(reason: string, similarity: number): string {
  switch (reason) {
    case 'first':
      return 'opened this story: no active story reported the same event';
    case 'same-title':
      return 'joined: another report of the story has the same headline';
    case 'same-url':
      return 'joined: the same article as a report of the story';
    case 'near-copy':
      return 'joined as a near-identical copy of a report of the story';
    case 'similar':
      return `joined: the model put the probability that it reports this event at ${similarity}`;
    default:
      return reason;
  }
}

/** The evidence stored by the clusterer, or null when absent or unreadable. */
export function parseEvidence(json: string | null): Evidence | null {
  if (!json) return null;
  try {
    return JSON.parse(json) as Evidence;
  } catch {
    return null;
  }
}
