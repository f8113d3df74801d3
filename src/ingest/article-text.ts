import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { decodeBody } from './charset.js';
import { fetchResource, PAGE_ACCEPT, type FetchLimits, type FetchPolicy } from './fetch.js';
import { htmlToText } from './text.js';
import { stripBoilerplate } from './boilerplate.js';
import { cutText } from './normalise.js';

const PAGE_TEXT_MAX = 100_000;

/**
 * Fetches an article page once (same limits as feeds) and extracts its main text with
 * Readability over a linkedom DOM. Returns plain text with paragraph breaks, boilerplate
 * removed; throws a FeedError on fetch failure, an Error when no article text is found.
 */
export async function fetchArticleText(url: string, limits: FetchLimits, policy?: FetchPolicy): Promise<string> {
  const res = await fetchResource(url, limits, {}, PAGE_ACCEPT, policy);
  if (res.status !== 'ok') throw new Error('unexpected 304 for an unconditional request');
  const { text: html } = decodeBody(res.bytes, res.contentType);
  return extractArticleText(html, res.url);
}

export function extractArticleText(html: string, url: string): string {
  const { document } = parseHTML(html);
  // Readability resolves relative links against the document URL.
  try {
    Object.defineProperty(document, 'documentURI', { value: url, configurable: true });
  } catch {
    /* linkedom may not allow it; links are not used */
  }
  const article = new Readability(document as unknown as Document, { charThreshold: 200 }).parse();
  const content = article?.content ? htmlToText(article.content, true) : '';
  const text = stripBoilerplate(content);
  if (text.length < 200) throw new Error('no article text found on the page');
  // An article, not a book: summaries and grouping read the first pages at most.
  return cutText(text, PAGE_TEXT_MAX);
}
