/**
 * Turns feed bytes into text. The charset comes from, in order: a byte-order mark, the shape
 * of the first bytes (UTF-16/UTF-32 without a mark: `<` followed or preceded by zero bytes),
 * the Content-Type header, the XML prolog (`<?xml … encoding="windows-1251"?>`), else UTF-8.
 * A declaration is not trusted blindly, as feedparser does not: bytes that are valid UTF-8 with
 * multi-byte sequences are read as UTF-8 whatever single-byte charset was declared (a feed
 * that declares ISO-8859-1 but sends UTF-8 must not read "verÃ¶ffentlicht"), and bytes that
 * are not valid UTF-8 where UTF-8 was declared or assumed are read as windows-1252 (Latin-1
 * with no declaration must not read U+FFFD). Decoding uses the built-in TextDecoder (full ICU:
 * windows-125x, iso-8859-x, koi8-r…); UTF-32 is decoded here (TextDecoder has no UTF-32).
 */
export function decodeBody(bytes: Uint8Array, contentType?: string | null): { text: string; charset: string } {
  const wide = bomCharset(bytes) ?? sniffWide(bytes);
  if (wide) return { text: decodeWide(bytes, wide), charset: wide };
  let declared = charsetFromContentType(contentType) ?? charsetFromProlog(bytes);
  // A UTF-16/32 label on bytes that have neither a mark nor zero bytes is wrong: the bytes decide.
  if (declared && /^(utf-?16|utf-?32|ucs-?2|ucs-?4)/.test(declared)) declared = undefined;
  if (!declared || UTF8.has(declared)) {
    const utf8 = tryUtf8(bytes);
    return utf8 === null ? { text: decodeWindows1252(bytes), charset: 'windows-1252' } : { text: utf8, charset: 'utf-8' };
  }
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(declared);
  } catch {
    // An unknown label (e.g. a typo in the header) should not lose the feed: read the bytes as undeclared.
    const utf8 = tryUtf8(bytes);
    return utf8 === null ? { text: decodeWindows1252(bytes), charset: 'windows-1252' } : { text: utf8, charset: 'utf-8' };
  }
  if (hasHighBytes(bytes)) {
    const utf8 = tryUtf8(bytes);
    if (utf8 !== null) return { text: utf8, charset: 'utf-8' };
  }
  if (WINDOWS_1252.has(declared)) return { text: decodeWindows1252(bytes), charset: declared };
  return { text: decoder.decode(bytes), charset: declared };
}

const UTF8 = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8']);
/** Labels the Encoding Standard reads as windows-1252 (ISO-8859-1 and ASCII among them). */
const WINDOWS_1252 = new Set(['windows-1252', 'cp1252', 'x-cp1252', 'iso-8859-1', 'iso8859-1', 'iso_8859-1', 'latin1', 'l1', 'us-ascii', 'ascii', 'iso-ir-100', 'ibm819', 'cp819', 'csisolatin1', 'ansi_x3.4-1968']);
/** 0x80-0x9F of windows-1252 (Node 20's TextDecoder reads windows-1252 as ISO-8859-1 and leaves C1 controls there). */
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

export function decodeWindows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1').replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!);
}

/** The text if the bytes are valid UTF-8 (a BOM dropped), else null. */
function tryUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

function hasHighBytes(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i]! >= 0x80) return true;
  return false;
}

function bomCharset(b: Uint8Array): string | undefined {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return 'utf-8';
  if (b[0] === 0x00 && b[1] === 0x00 && b[2] === 0xfe && b[3] === 0xff) return 'utf-32be';
  if (b[0] === 0xff && b[1] === 0xfe && b[2] === 0x00 && b[3] === 0x00) return 'utf-32le';
  if (b[0] === 0xfe && b[1] === 0xff) return 'utf-16be';
  if (b[0] === 0xff && b[1] === 0xfe) return 'utf-16le';
  return undefined;
}

/** UTF-16/32 without a byte-order mark, from the first character `<` (XML 1.0 appendix F). */
function sniffWide(b: Uint8Array): string | undefined {
  if (b.length < 4) return undefined;
  if (b[0] === 0x3c && b[1] === 0 && b[2] === 0 && b[3] === 0) return 'utf-32le';
  if (b[0] === 0 && b[1] === 0 && b[2] === 0 && b[3] === 0x3c) return 'utf-32be';
  if (b[0] === 0x3c && b[1] === 0 && b[2] !== 0 && b[3] === 0) return 'utf-16le';
  if (b[0] === 0 && b[1] === 0x3c && b[2] === 0 && b[3] !== 0) return 'utf-16be';
  return undefined;
}

function decodeWide(bytes: Uint8Array, charset: string): string {
  if (!charset.startsWith('utf-32')) return new TextDecoder(charset).decode(bytes); // strips its BOM
  const le = charset === 'utf-32le';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: string[] = [];
  let chunk: number[] = [];
  for (let i = 0; i + 4 <= bytes.length; i += 4) {
    const cp = view.getUint32(i, le);
    chunk.push(cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff) ? cp : 0xfffd);
    if (chunk.length === 4096) {
      out.push(String.fromCodePoint(...chunk));
      chunk = [];
    }
  }
  out.push(String.fromCodePoint(...chunk));
  return out.join('').replace(/^\uFEFF/, '');
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
