import type { Alert, Digest, DigestStory } from './model.js';

/** Shared wording of digests, so every platform says the same thing. */
export const MAX_SOURCES_SHOWN = 8;

export function storyBadge(s: DigestStory): string {
  const alerted = s.alertedAt ? `alerted ${s.alertedAt}` : '';
  if (!s.isUpdate) return [alerted, s.sourceCount > 1 ? `${s.sourceCount} sources` : ''].filter(Boolean).join(', ');
  // With "Now also" the count closes that line; without, the badge alone says what changed.
  return [alerted, s.update ? 'update' : `update: ${addedSources(s)}`].filter(Boolean).join(', ');
}

/** An alert's line under the headline: how many outlets report the story now. */
export function alertBadge(s: DigestStory): string {
  return `${s.sourceCount} ${s.sourceCount === 1 ? 'source' : 'sources'}`;
}

/**
 * The text under a story's headline: a new story's summary; for an update, what is new
 * ("Now also: … (+2 sources)") and never the summary the subscriber already read; '' when the new
 * reports add nothing but their names (the badge and the source links say that).
 */
export function storyText(s: DigestStory): string {
  if (!s.isUpdate) return s.summary;
  return s.update ? `Now also: ${s.update} (${addedSources(s)})` : '';
}

function addedSources(s: DigestStory): string {
  return `+${s.newSources} source${s.newSources === 1 ? '' : 's'}`;
}

/**
 * The source links to show: at most MAX_SOURCES_SHOWN, and only as many rendered links (joined by
 * ", ") as fit in `budget` characters, so a story always fits its platform's message or section.
 * `render` formats one source for the platform.
 */
export function fitSources(s: DigestStory, render: (src: DigestStory['sources'][number]) => string, budget = Infinity): { links: string; more: number } {
  const kept: string[] = [];
  let used = 0;
  for (const src of s.sources.slice(0, MAX_SOURCES_SHOWN)) {
    const link = render(src);
    const cost = link.length + (kept.length ? 2 : 0);
    if (used + cost > budget) break;
    kept.push(link);
    used += cost;
  }
  return { links: kept.join(', '), more: s.sources.length - kept.length };
}

/** Room the "Sources: … and N more" line needs besides the links themselves. */
export const SOURCES_LINE_OVERHEAD = 40;

export function digestSubtitle(d: Digest): string {
  const n = d.stories.length;
  const more = d.omitted ? ` (${d.omitted} more not shown)` : '';
  return n ? `${n} ${n === 1 ? 'story' : 'stories'}${more}` : (d.note ?? 'Nothing new.');
}

/**
 * Characters that change how the text around them reads without being seen: C0/C1 controls
 * (tab, newline and carriage return are whitespace, collapsed below), soft hyphen, bidi embeddings,
 * overrides, isolates and marks (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C), zero-width
 * characters (U+200B–U+200D, U+2060–U+2064, U+FEFF) and interlinear annotation. A feed title
 * carrying U+202E would otherwise reverse the rest of a message in the chat.
 */
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB]/g;
/** Half of a surrogate pair on its own (a string cut mid-character): not valid UTF-8 for the platforms. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text as a chat may show it: invisible and direction controls removed, line breaks kept. */
export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE, '').replace(/[\u2028\u2029]/g, '\n').replace(LONE_SURROGATE, '\uFFFD');
}

/** One line of feed or user text: stripInvisible, then all whitespace runs as one space. */
export function cleanLine(text: string): string {
  return stripInvisible(text).replace(/\s+/g, ' ').trim();
}

/**
 * Cuts `text` so that its size on the platform is at most `max`, ending in "…" when cut (at a word
 * boundary when one is near). `cost` is one character's size there: its length once escaped, so a
 * title of 1,000 "&" is cut by what "&amp;" takes. Never splits a surrogate pair.
 */
export function clip(text: string, max: number, cost: (ch: string) => number = (ch) => ch.length): string {
  let total = 0;
  for (const ch of text) if ((total += cost(ch)) > max) break;
  if (total <= max) return text;
  if (max < 1) return '';
  let used = 0;
  let end = 0;
  for (const ch of text) {
    const c = cost(ch);
    if (used + c > max - 1) break; // room for the ellipsis
    used += c;
    end += ch.length;
  }
  let cut = text.slice(0, end);
  const space = cut.lastIndexOf(' ');
  if (space > end * 0.8) cut = cut.slice(0, space);
  return `${cut.trimEnd()}…`;
}

/** Neutral caps: no renderer ever handles more than this of one field (bounded work per story). */
const FIELD_CAPS = { title: 500, headline: 1000, text: 4000, sourceName: 200, url: 4000 };

/**
 * A field cleaned and cut to `max`. Only a prefix is cleaned: a 1 MB description costs what
 * 8 KB does (cleaning removes characters, so twice the cap is read; a prefix that was cut keeps
 * its ellipsis).
 */
function cleanField(text: string, max: number): string {
  const room = 2 * max;
  if (text.length <= room) return clip(cleanLine(text), max);
  const end = /[\uD800-\uDBFF]/.test(text[room - 1]!) ? room - 1 : room; // never half a character
  return clip(`${cleanLine(text.slice(0, end))}…`, max);
}

/**
 * The digest with every shown string cleaned (cleanLine) and capped at FIELD_CAPS. URLs lose
 * invisible characters and whitespace; one longer than its cap is dropped (a cut URL would lead
 * elsewhere), so the outlet is shown unlinked. Renderers start from this, then fit their own limits.
 */
export function cleanDigest(d: Digest): Digest {
  const url = (u: string) => (u.length > FIELD_CAPS.url ? '' : u.replace(INVISIBLE, '').replace(/\s+/g, ''));
  return {
    ...d,
    title: cleanField(d.title, FIELD_CAPS.title),
    topics: d.topics.map((t) => ({ ...t, name: cleanField(t.name, FIELD_CAPS.title) })),
    ...(d.note !== undefined ? { note: cleanField(d.note, FIELD_CAPS.text) } : {}),
    stories: d.stories.map((s) => ({
      ...s,
      headline: cleanField(s.headline, FIELD_CAPS.headline),
      summary: cleanField(s.summary, FIELD_CAPS.text),
      ...(s.update !== undefined ? { update: cleanField(s.update, FIELD_CAPS.text) } : {}),
      sources: s.sources.map((src) => ({ name: cleanField(src.name, FIELD_CAPS.sourceName), url: url(src.url) })),
    })),
  };
}

/** An alert with its story cleaned and capped like a digest's (cleanDigest). */
export function cleanAlert(a: Alert): Alert {
  const d = cleanDigest({ subscriptionId: a.subscriptionId, title: '', topics: [], timezone: a.timezone, windowStart: 0, windowEnd: 0, generatedAt: a.generatedAt, stories: [a.story], omitted: 0 });
  return { ...a, story: d.stories[0]! };
}

/** What a renderer allows per field, in its own units (escaped characters). */
export interface FieldLimits {
  headline: number;
  text: number;
  sourceName: number;
}

/**
 * A story with its headline, summary, update and source names cut to `limits` (sizes by `cost`),
 * so the story always fits its message or section whatever the feed sent.
 */
export function fitStory(s: DigestStory, limits: FieldLimits, cost?: (ch: string) => number): DigestStory {
  return {
    ...s,
    headline: clip(s.headline, limits.headline, cost),
    summary: clip(s.summary, limits.text, cost),
    // storyText() wraps an update in "Now also: … (+N sources)": leave room for that wording.
    ...(s.update !== undefined ? { update: clip(s.update, limits.text - UPDATE_WORDING, cost) } : {}),
    sources: s.sources.map((src) => ({ ...src, name: clip(src.name, limits.sourceName, cost) })),
  };
}
const UPDATE_WORDING = 40;

/** A URL a chat may link: http(s) and no longer than `max` (a cut URL would lead elsewhere, so none is cut). */
export function linkable(url: string, max: number): boolean {
  return /^https?:\/\/[^\s]+$/i.test(url) && url.length <= max;
}
