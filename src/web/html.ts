/**
 * Tagged-template HTML with escaping by default: every interpolated value is escaped unless it is
 * already {@link Html} (the result of another `html` template), so feed text can never become markup.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
// Characters XML 1.0 forbids: ingest removes them, but a page or feed must stay well-formed whatever the database holds.
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Text made safe for an element's content or a quoted attribute, in HTML and XML. */
export function escapeText(text: string): string {
  return text.replace(INVALID_XML, '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

function piece(value: unknown): string {
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(piece).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeText(String(value));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += piece(values[i]) + strings[i + 1]!;
  return new Html(out);
}

/** A link target only for http(s) URLs: a feed's `javascript:` or `data:` link is shown as text instead. */
export function safeHref(url: string): string | null {
  return /^https?:\/\//i.test(url) ? url : null;
}
