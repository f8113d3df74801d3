/** The outlet name: the item's or feed's title, else the article's host without `www.`. */
export function sourceName(title: string | null | undefined, url: string): string {
  if (title?.trim()) return title.trim();
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return url;
  }
}
