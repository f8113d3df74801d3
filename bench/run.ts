// `npm run bench`: every benchmark, or only those named: `npm run bench -- ingest`.
const wanted = new Set(process.argv.slice(2));
const all: Record<string, () => Promise<void>> = {
  ingest: async () => (await import('./ingest.js')).benchIngest(),
  stories: async () => (await import('./stories.js')).benchStories(),
  fanout: async () => (await import('./fanout.js')).benchFanout(),
  alerts: async () => (await import('./alerts.js')).benchAlerts(),
  summaries: async () => (await import('./summaries.js')).benchSummaries(),
  pipeline: async () => (await import('./pipeline.js')).benchPipeline(),
  web: async () => (await import('./web.js')).benchWeb(),
};
// Long-running: only when named (`npm run bench -- soak`).
const named: Record<string, () => Promise<void>> = {
  soak: async () => (await import('./soak.js')).benchSoak(),
  scale: async () => (await import('./scale.js')).benchScale(),
};
for (const [name, run] of Object.entries(all)) {
  if (wanted.size && !wanted.has(name)) continue;
  await run();
}
for (const [name, run] of Object.entries(named)) if (wanted.has(name)) await run();
