import winkNLP, { type ItemSentence } from 'wink-nlp';
import model from 'wink-eng-lite-web-model';
import { PHRASES, RELATED, SAME_REFERENT } from './entity-aliases.js';

/** One wink-nlp instance for the process: tokens, stems, sentence boundaries. */
const nlp = winkNLP(model);
const its = nlp.its;
// its.case and its.stem are typed for a different call shape in wink-nlp's d.ts; it works with out().
const caseOf = its.case as unknown as typeof its.value;
const stemOf = its.stem as unknown as typeof its.value;
const KNOWN = new Set([...Object.values(RELATED), ...Object.values(SAME_REFERENT)]);

export interface Analysis {
  /** Content-word stems and numbers, spellings folded (kiev → kyiv). */
  terms: string[];
  /** Names, places and figures, folded further (Tokyo → japan). */
  entities: string[];
  /** Plain lower-case words, for SimHash shingles. */
  words: string[];
}

/** Folds multi-word and dotted names ("United States", "U.S.") into one token first. */
export function foldPhrases(text: string): string {
  let t = text;
  for (const [re, to] of PHRASES) t = t.replace(re, to);
  return t;
}

export function analyse(text: string): Analysis {
  const doc = nlp.readDoc(foldPhrases(text));
  const terms: string[] = [];
  const entities: string[] = [];
  const words: string[] = [];
  doc.sentences().each((sentence: ItemSentence) => {
    const values = sentence.tokens().out(its.value) as string[];
    const types = sentence.tokens().out(its.type) as string[];
    const stops = sentence.tokens().out(its.stopWordFlag) as boolean[];
    const stems = sentence.tokens().out(stemOf) as string[];
    const cases = sentence.tokens().out(caseOf) as string[];
    for (let i = 0; i < values.length; i++) {
      const type = types[i];
      const lower = values[i]!.toLowerCase();
      if (type === 'word') {
        words.push(lower);
        const acronym = cases[i] === 'upperCase' && lower.length >= 2; // "US" is not the pronoun
        if ((stops[i] && !acronym) || lower.length < 2 || lower === "'s") continue;
        const folded = SAME_REFERENT[lower];
        terms.push(folded ?? stems[i]!.replace(/['’]s$/, ''));
        const capital = cases[i] === 'titleCase' || cases[i] === 'upperCase';
        const known = folded !== undefined || RELATED[lower] !== undefined || KNOWN.has(lower);
        // A capital at the start of a sentence says nothing, unless the word is a known name.
        if ((capital && (i > 0 || cases[i] === 'upperCase')) || known) {
          const name = folded ?? lower;
          entities.push(RELATED[name] ?? name);
        }
      } else if (type === 'number') {
        words.push(lower);
        const digits = lower.replace(/[^0-9.]/g, '');
        if (digits.length >= 2) {
          terms.push(digits);
          entities.push(`#${digits}`);
        }
      }
    }
  });
  return { terms, entities, words };
}

/** Sentence boundaries from wink-nlp (handles "Dec. 22", "U.S.", quotes). */
export function splitSentences(text: string): string[] {
  if (!text.trim()) return [];
  return (nlp.readDoc(text).sentences().out() as string[]).map((s) => s.trim()).filter(Boolean);
}
