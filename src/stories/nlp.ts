import winkNLP from 'wink-nlp';
import model from 'wink-eng-lite-web-model';

/**
 * One wink-nlp instance for the process, used for what a regular expression gets wrong: sentence
 * boundaries ("Dec. 22", "U.S.", quotes). Only summaries need it, and only on the texts of the
 * stories they summarise; grouping uses the cheap tokenizer (tokens.ts).
 */
// Sentence boundaries only: the default pipe also runs NER, negation, sentiment and POS tagging,
// which nothing here reads and which cost most of the analysis.
const nlp = winkNLP(model, ['sbd']);

/** What can end a sentence (or a line). */
const ENDS = /[.!?…。！？\r\n]/u;
/** What may follow the end of a sentence: closing quotes and brackets. */
const CLOSING = new Set(['"', "'", '”', '’', '»', ')', ']']);

export function splitSentences(text: string): string[] {
  const trimmed = text.trim();
  if (!trimmed) return [];
  // Most paragraphs of news are one sentence; wink's analysis allocates about a hundred times
  // their size to say so (its answer for them is checked in test/sentences.test.ts).
  return isOneSentence(trimmed) ? [trimmed] : winkSentences(text);
}

/** No mark that could end a sentence before the text's last character (or before a closing quote or bracket there). */
export function isOneSentence(trimmed: string): boolean {
  let end = trimmed.length;
  if (end > 0 && CLOSING.has(trimmed[end - 1]!)) end--;
  return end > 1 && !ENDS.test(trimmed.slice(0, end - 1));
}

/** wink's own sentences of a text that is not blank, without the shortcut (the test compares the two). */
export function winkSentences(text: string): string[] {
  return (nlp.readDoc(text).sentences().out() as string[]).map((s) => s.trim()).filter(Boolean);
}
