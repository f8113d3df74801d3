/** Query parameters that only track the reader; they never change which article a URL names. */
const TRACKING = /^(utm_[a-z_]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|yclid|igshid|_ga|_hsenc|_hsmi|mkt_tok|ref_src|cmpid|ocid|smid|at_medium|at_campaign|guccounter)$/i;

/**
 * The identity of an article URL: lower-case scheme and host, default port dropped, no
 * tracking parameters, no fragment, no trailing slash; remaining parameters sorted so their
 * order does not matter. Unparseable input is returned trimmed.
 */
export function canonicalUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return raw.trim();
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return u.toString();
  u.hash = '';
  u.hostname = u.hostname.toLowerCase().replace(/\.$/, '');
  const kept = [...u.searchParams.entries()].filter(([k]) => !TRACKING.test(k)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  u.search = kept.length ? '?' + new URLSearchParams(kept).toString() : '';
  if (u.pathname.length > 1) u.pathname = u.pathname.replace(/\/+$/, '');
  let s = u.toString();
  if (u.pathname === '/' && !u.search) s = s.replace(/\/$/, '');
  return s;
}
