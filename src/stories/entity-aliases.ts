/**
 * Name folding for story features. SAME_REFERENT spellings are one term everywhere (TF-IDF
 * included); RELATED names (capital ↔ country, demonym ↔ country) are one entity when comparing
 * names and places, so "Tokyo will transfer…" and "Japan will transfer…" share an entity.
 */

/** Multi-word and dotted spellings, replaced in the text before tokenising. */
export const PHRASES: [RegExp, string][] = [
  [/\bU\.\s?S\.\s?A\.?|\bU\.\s?S\.(?=\s|$|[^\p{L}])|\bUnited States(?: of America)?\b/gu, 'US'],
  [/\bU\.\s?K\.(?=\s|$|[^\p{L}])|\bUnited Kingdom\b|\bGreat Britain\b/gu, 'UK'],
  [/\bEuropean Union\b/gu, 'EU'],
  [/\bWhite House\b/gu, 'WhiteHouse'],
  [/\bSouth Korea\b/gu, 'SouthKorea'],
  [/\bNorth Korea\b/gu, 'NorthKorea'],
  [/\bWall Street Journal\b/gu, 'WSJ'],
  [/\bNew York\b/gu, 'NewYork'],
  [/\bSaudi Arabia\b/gu, 'SaudiArabia'],
];

/** Different spellings of the same name (lower case). */
export const SAME_REFERENT: Record<string, string> = {
  usa: 'us', america: 'us', kiev: 'kyiv', kiew: 'kyiv', kijev: 'kyiv', kharkov: 'kharkiv', odessa: 'odesa',
  zelenskyy: 'zelensky', zelenskiy: 'zelensky', zelenskyj: 'zelensky', zelenski: 'zelensky',
  britain: 'uk', whitehouse: 'whitehouse', nato: 'nato', 'patriots': 'patriot',
};

/** Names folded together only when comparing entities. */
export const RELATED: Record<string, string> = {
  washington: 'us', american: 'us', americans: 'us', whitehouse: 'us', pentagon: 'us',
  tokyo: 'japan', japanese: 'japan',
  kyiv: 'ukraine', ukrainian: 'ukraine', ukrainians: 'ukraine',
  moscow: 'russia', kremlin: 'russia', russian: 'russia', russians: 'russia',
  beijing: 'china', chinese: 'china',
  london: 'uk', british: 'uk',
  berlin: 'germany', german: 'germany', germans: 'germany',
  paris: 'france', french: 'france',
  brussels: 'eu', european: 'eu',
  warsaw: 'poland', polish: 'poland',
  tehran: 'iran', iranian: 'iran',
  israeli: 'israel', jerusalem: 'israel',
  seoul: 'southkorea', pyongyang: 'northkorea',
  ankara: 'turkey', turkish: 'turkey',
  stockholm: 'sweden', swedish: 'sweden',
  copenhagen: 'denmark', danish: 'denmark',
  oslo: 'norway', norwegian: 'norway',
  rome: 'italy', italian: 'italy',
  madrid: 'spain', spanish: 'spain',
  athens: 'greece', greek: 'greece',
  bern: 'switzerland', swiss: 'switzerland',
  ottawa: 'canada', canadian: 'canada',
  canberra: 'australia', australian: 'australia',
  riyadh: 'saudiarabia', saudi: 'saudiarabia',
};
