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

export function splitSentences(text: string): string[] {
  if (!text.trim()) return [];
  return (nlp.readDoc(text).sentences().out() as string[]).map((s) => s.trim()).filter(Boolean);
}
