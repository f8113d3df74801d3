/** Whitespace other than one plain space: a run of spaces, or any other space character. */
const ODD_SPACE = /[^\S ]| {2}/;

/**
 * Every run of whitespace made one plain space. Text already spaced so (most text) is returned
 * as it is: the replace alone would copy it.
 */
export function collapseSpaces(text: string): string {
  return ODD_SPACE.test(text) ? text.replace(/\s+/g, ' ') : text;
}
