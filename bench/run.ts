// `npm run bench`: every benchmark, or only those named: `npm run bench -- ingest`.
const wanted = new Set(process.argv.slice(2));
const all: Record<string, () => Promise<void>> = {
  ingest: async () => (await import('./ingest.js')).benchIngest(),
  stories: async () => (await import('./stories.js')).benchStories(),
  fanout: async () => (await import('./fanout.js')).benchFanout(),
};
for (const [name, run] of Object.entries(all)) {
  if (wanted.size && !wanted.has(name)) continue;
  await run();
}
