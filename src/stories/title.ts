/**
 * Headline normalisation for stories. Wire services prefix and suffix their headlines with
 * desk slugs ("UPDATE 2-", "RPT-", "GLOBAL MARKETS-", "-- 2nd Update"): they say which desk
 * filed which revision, not what happened, so copies of one report must compare (and show) without
 * them. Only recognised slugs are removed: "NATO-Russia talks", "MIM-104 Patriot" and "US-Japan
 * deal" are headline words.
 */

/** Revision and desk markers that wires put in front of a headline ("UPDATE 3-", "RPT-"). */
const REVISION = /^(?:UPDATE|RPT|REFILE|CORRECTED|CORRECTION|WRAPUP|EXCLUSIVE|ANALYSIS|INSIGHT|FACTBOX|TIMELINE|HIGHLIGHTS|BREAKINGVIEWS|BUZZ|PREVIEW)(?: \d{1,2})?-(?=\S)/u;
/** A desk slug of several capitalised words glued to the headline: "GLOBAL MARKETS-World stocks". */
const DESK = /^[A-Z][A-Z0-9&./']*(?: [A-Z0-9&./']+)+-(?=[\p{Lu}\p{N}"'‘“])/u;
/** Revision suffixes: "… -- 2nd Update", "… - Update". */
const SUFFIX = /\s+-{1,2}\s+(?:\d{1,2}(?:st|nd|rd|th)\s+)?Update$/iu;

export function stripWireSlug(title: string): string {
  let t = title.trim();
  // Slugs stack ("RPT-UPDATE 1-GLOBAL MARKETS-…"); a handful of rounds removes them all.
  for (let i = 0; i < 4; i++) {
    let next = t.replace(REVISION, '');
    // A desk slug is only taken off a full headline: "NORTH KOREA-US talks" keeps its words.
    const rest = next.replace(DESK, '');
    if (rest !== next && rest.split(/\s+/u).length >= 4) next = rest;
    if (next === t) break;
    t = next;
  }
  t = t.replace(SUFFIX, '');
  return t || title.trim();
}

/** Lower-case words of a title without wire slugs and a trailing " - Outlet" / " | Outlet" credit. */
export function titleKey(title: string): string {
  const stripped = stripWireSlug(title).replace(/\s+[-–—|]\s+[^-–—|]{1,40}$/u, '');
  return stripped
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
