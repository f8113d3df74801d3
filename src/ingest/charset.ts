/**
 * Turns feed bytes into text. The charset comes from, in order: a byte-order mark, the
 * Content-Type header, the XML prolog (`<?xml … encoding="windows-1251"?>`), else UTF-8.
 * Decoding uses the built-in TextDecoder (full ICU: windows-125x, iso-8859-x, koi8-r…).
 */
export function decodeBody(bytes: Uint8Array, contentType?: string | null): { text: string; charset: string } {
  const bom = bomCharset(bytes);
  const declared = bom ?? charsetFromContentType(contentType) ?? charsetFromProlog(bytes) ?? 'utf-8';
  let decoder: TextDecoder;
  let charset = declared;
  try {
    decoder = new TextDecoder(declared);
  } catch {
    // An unknown label (e.g. a typo in the header) should not lose the feed: fall back to UTF-8.
    charset = 'utf-8';
    decoder = new TextDecoder('utf-8');
  }
  return { text: decoder.decode(bytes), charset }; // TextDecoder strips the BOM itself
}

function bomCharset(b: Uint8Array): string | undefined {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return 'utf-8';
  if (b[0] === 0xfe && b[1] === 0xff) return 'utf-16be';
  if (b[0] === 0xff && b[1] === 0xfe) return 'utf-16le';
  return undefined;
}

export function charsetFromContentType(contentType?: string | null): string | undefined {
  const m = contentType ? /charset\s*=\s*"?([\w.:-]+)"?/i.exec(contentType) : null;
  return m?.[1]?.toLowerCase();
}

function charsetFromProlog(bytes: Uint8Array): string | undefined {
  // The prolog is ASCII in every charset a feed uses, so latin1 reads it safely.
  const head = Buffer.from(bytes.subarray(0, 256)).toString('latin1');
  const m = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([\w.:-]+)["']/i.exec(head);
  return m?.[1]?.toLowerCase();
}
