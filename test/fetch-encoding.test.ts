import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeedServer } from './helpers/feed-server.js';
import { fetchResource, type FetchLimits } from '../src/ingest/fetch.js';

const limits: FetchLimits = { timeoutMs: 5000, maxBytes: 64 * 1024, maxRedirects: 3, userAgent: 'news-digest-test' };
const feed = `<?xml version="1.0"?><rss version="2.0"><channel><title>Compressed</title>${'<item><title>Patriot battery arrives</title></item>'.repeat(40)}</channel></rss>`;

describe('compressed responses', () => {
  const server = new FeedServer();
  beforeAll(async () => {
    await server.start();
    const serve = (path: string, encoding: string, body: Buffer) => server.route(path, { headers: { 'content-encoding': encoding }, body });
    serve('/gzip.xml', 'gzip', zlib.gzipSync(feed));
    serve('/deflate.xml', 'deflate', zlib.deflateSync(feed));
    // Some servers send raw deflate data under "deflate"; browsers and fetch read both.
    serve('/deflate-raw.xml', 'deflate', zlib.deflateRawSync(feed));
    serve('/br.xml', 'br', zlib.brotliCompressSync(feed));
    serve('/twice.xml', 'deflate, gzip', zlib.gzipSync(zlib.deflateSync(feed)));
    serve('/identity.xml', 'identity', Buffer.from(feed));
    // 10 MB of zeros compress to about 10 KB: under the cap on the wire, far over it decoded.
    serve('/bomb.xml', 'gzip', zlib.gzipSync(Buffer.alloc(10 * 1024 * 1024)));
    serve('/corrupt.xml', 'gzip', Buffer.from('this is not gzip data at all'));
    serve('/zstd-ish.xml', 'compress', Buffer.from(feed));
  });
  afterAll(() => server.stop());

  const text = async (path: string) => {
    const res = await fetchResource(server.url(path), limits);
    if (res.status !== 'ok') throw new Error(`unexpected ${res.status}`);
    return Buffer.from(res.bytes).toString('utf8');
  };

  it('offer gzip, deflate and br, and are decoded whatever the server chose', async () => {
    for (const path of ['/gzip.xml', '/deflate.xml', '/deflate-raw.xml', '/br.xml', '/twice.xml', '/identity.xml']) {
      expect(await text(path), path).toBe(feed);
    }
    expect(server.requests.find((r) => r.path === '/gzip.xml')!.headers['accept-encoding']).toBe('gzip, deflate, br');
  });

  it('count decoded bytes against the size cap, and fail clearly when broken or not offered', async () => {
    await expect(fetchResource(server.url('/bomb.xml'), limits)).rejects.toMatchObject({ kind: 'too-large', message: 'body exceeds the 64 KB limit (fetch.maxBytes)' });
    await expect(fetchResource(server.url('/corrupt.xml'), limits)).rejects.toMatchObject({ kind: 'http', message: 'cannot decode the compressed body: incorrect header check' });
    await expect(fetchResource(server.url('/zstd-ish.xml'), limits)).rejects.toMatchObject({
      kind: 'http',
      message: 'the server sent Content-Encoding "compress", which we did not offer (we accept gzip, deflate, br)',
    });
    // The pool is still usable after the bodies that were cut off.
    expect(await text('/gzip.xml')).toBe(feed);
  });
});
