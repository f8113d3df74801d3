"""Reads every file of the feed corpus with Python feedparser 6, as the corpus README says a test
server would send it (feedparser files: their `Header:` lines as response headers; gzip files
decompressed), and prints one JSON line per file: bozo, version, the link of each entry."""
import gzip, json, os, re, sys
import feedparser

root = sys.argv[1]
for dirpath, _, names in os.walk(root):
    for name in sorted(names):
        path = os.path.join(dirpath, name)
        rel = os.path.relpath(path, root)
        if rel in ('README.md', 'SOURCES.json'):
            continue
        data = open(path, 'rb').read()
        if data[:2] == b'\x1f\x8b':
            try:
                data = gzip.decompress(data)
            except Exception:
                pass
        headers = {'content-type': 'application/xml'}
        if rel.startswith('feedparser/'):
            head = data[:4096].decode('latin-1')
            for m in re.finditer(r'^Header:\s*([\w-]+):\s*(.*?)\s*$', head, re.M):
                headers[m.group(1).lower()] = m.group(2)
        url = 'http://corpus.example/' + rel.replace(os.sep, '/')
        headers.setdefault('content-location', url)
        try:
            d = feedparser.parse(data, response_headers=headers)
            links = [e.get('link') for e in d.entries if e.get('link')]
            out = {'file': rel, 'bozo': int(bool(d.get('bozo'))), 'version': d.get('version', ''), 'entries': len(d.entries), 'links': links, 'headers': headers}
        except Exception as e:
            out = {'file': rel, 'crash': repr(e)[:200], 'headers': headers}
        print(json.dumps(out))
