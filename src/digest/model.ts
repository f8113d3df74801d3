/** The platform-neutral digest: what adapters render, nothing platform-specific in it. */

/** An outlet that reported the story, linking to its own article of it. */
export interface DigestSource {
  name: string;
  url: string;
}

export interface DigestStory {
  id: number;
  topic: string;
  headline: string;
  summary: string;
  /**
   * On an update: what the articles added since the subscriber's last digest say that the
   * summary it saw did not (whole sentences); absent when they add nothing new.
   */
  update?: string;
  /** One per outlet: the headline's outlet first (in an update, the new outlets first), then by time. */
  sources: DigestSource[];
  sourceCount: number;
  /** Sources added since the subscriber last saw this story; 0 for a story new to them. */
  newSources: number;
  isUpdate: boolean;
  firstPublished: number;
  lastPublished: number;
  /** When this subscriber was alerted of the story, as local time ("09:14", "12 Mar 21:40"). */
  alertedAt?: string;
}

/** A breaking-story alert (or the edit of one): one story, rendered as one message. */
export interface Alert {
  subscriptionId: number;
  topic: { id: string; name: string };
  timezone: string;
  generatedAt: number;
  story: DigestStory;
}

export interface Digest {
  subscriptionId: number;
  title: string;
  topics: { id: string; name: string }[];
  timezone: string;
  windowStart: number;
  windowEnd: number;
  generatedAt: number;
  stories: DigestStory[];
  /** More stories qualified than the subscriber's cap allowed. */
  omitted: number;
  /** Set on an empty digest sent because `nothingNewNote` is on. */
  note?: string;
}
