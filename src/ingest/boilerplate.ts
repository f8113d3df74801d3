/**
 * Removes page furniture from article text, line by line: navigation, newsletter and donation
 * pleas, "Read also" blocks, photo captions and credits, author/date bylines. What is left are
 * the lines a reader would call the article.
 */
const LINE_PATTERNS: RegExp[] = [
  /^(skip to (main )?content|edit post|news feed|most popular|editors'? picks|more news|comments?|sections|follow us|share( this)?|print|advertisement|related( articles| news)?|top stories|latest news|trending|menu|search|close)$/i,
  /\b(subscribe|subscription|newsletter|sign(ing)? up|sign in|log in|enter (your|correct) email|email address|indicates required|successfu(l)?ly subscribed|confirmation email|unsubscribe)\b/i,
  /\b(support (independent |our )?journalism|support us|become a (member|patron|subscriber)|donate|join us in this fight|for as little as|it only takes a minute|paying a high price for (their|our) independence|freedom can be costly)\b/i,
  /^(read (also|more)|see also|also read|related|recommended|watch|listen)\s*[:.\-–]?/i,
  /\b(all (newsletters|podcasts)|arrow (right|left)|image|podcasts?)$/i,
  /^(authors?|by|photo|photos|video|source|credit|image|illustration)\s*:/i,
  /\((photo|image|credit)?[^()]{0,80}(getty images|afp|reuters|ap photo|epa|anadolu|scanpix|shutterstock|picture alliance)[^()]{0,40}\)\s*$/i,
  /^\/?[\w\s]{0,30}photo\/?/i,
  /\b(this audio is (created|generated)|listen to (this|the) article|\d+ min read|in your inbox)\b/i,
  /^(visa|mastercard|american ?express|paypal)(\s+(visa|mastercard|american ?express|paypal))*$/i,
  /\b(cookies?|privacy policy|terms of (use|service)|all rights reserved|©)\b/i,
];

/** Title-Case word runs without a verb-like lowercase word: menus such as "War Analysis Russia's War National…". */
function looksLikeMenu(line: string): boolean {
  if (/[.!?…"”»]$/.test(line)) return false;
  const words = line.split(/\s+/).filter((w) => /\p{L}/u.test(w));
  if (words.length === 0) return true;
  if (words.length <= 3) return true; // "Featured", "More", "Newsletters image"
  const capitalised = words.filter((w) => /^[\p{Lu}\d]/u.test(w)).length;
  // Short all-capitalised lines are bylines and outlet names ("The Kyiv IndependentFrancis Farrell").
  if (words.length <= 5 && capitalised >= words.length - 1) return true;
  return words.length >= 6 && capitalised / words.length >= 0.8;
}

export function isBoilerplateLine(line: string): boolean {
  const t = line.trim();
  if (!t) return true;
  if (LINE_PATTERNS.some((re) => re.test(t))) return true;
  return looksLikeMenu(t);
}

/**
 * Keeps the article lines. `keepShort` lets a short first line through (a headline).
 * Lines are the units feeds and pages give us (paragraphs); a "Read also:" line also drops the
 * list of links that follows it.
 */
export function stripBoilerplate(text: string): string {
  const out: string[] = [];
  let inReadAlso = false;
  for (const raw of text.split(/\n+/)) {
    const line = raw.trim();
    if (/^(read (also|more)|see also|also read|related( articles| news)?|more news)\s*[:.]?$/i.test(line)) {
      inReadAlso = true;
      continue;
    }
    if (inReadAlso && /^[-•*–]\s/.test(line)) continue;
    inReadAlso = false;
    if (isBoilerplateLine(line)) continue;
    // A byline with a date: "by Nate Ostiller and … December 22, 2023 3:39 PM 2 min read".
    if (/^by\s.{0,120}\b(19|20)\d\d\b/i.test(line) && !/[.!?]$/.test(line)) continue;
    out.push(line.replace(/^[-•*]\s+/, ''));
  }
  return out.join('\n');
}
