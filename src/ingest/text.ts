import { decodeHTML } from 'entities';

const BLOCK_TAGS = /<\/?(p|div|br|li|ul|ol|h[1-6]|tr|td|th|table|blockquote|section|article|header|footer|figure|figcaption|pre|hr)\b[^>]*>/gi;

/**
 * Feed titles and descriptions arrive as HTML, escaped HTML, or text. Returns plain text:
 * scripts and styles dropped, tags removed (block tags become line breaks), entities decoded
 * (entities' full HTML5 table), whitespace collapsed. `keepLines` keeps paragraph breaks for
 * sentence splitting.
 */
export function htmlToText(input: string | undefined | null, keepLines = false): string {
  if (!input) return '';
  let s = input;
  // Escaped markup (`&lt;p&gt;…`) is common in RSS descriptions: decode once before stripping.
  if (/&lt;\/?[a-z]/i.test(s) && !/<[a-z]/i.test(s)) s = decodeHTML(s);
  s = s
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(script|style|noscript|template)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(BLOCK_TAGS, '\n')
    .replace(/<[^>]*>/g, ' ');
  s = decodeHTML(s).replace(/\u00a0/g, ' ');
  if (!keepLines) return s.replace(/\s+/g, ' ').trim();
  return s
    .split(/\n/)
    .map((line) => line.replace(/[ \t\f\v\r]+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
}
