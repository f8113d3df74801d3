import type { Alert, Digest } from '../../digest/model.js';
import { MAX_SOURCES_SHOWN, alertBadge, cleanAlert, cleanDigest, digestSubtitle, storyBadge, storyText } from '../../digest/format.js';

/** A digest as plain text: the console adapter and `preview --format text` (fields cleaned and capped). */
export function renderText(digest: Digest): string {
  const d = cleanDigest(digest);
  const lines = [d.title, digestSubtitle(d), ''];
  d.stories.forEach((s, i) => {
    const badge = storyBadge(s);
    lines.push(`${i + 1}. ${s.headline}${badge ? ` [${badge}]` : ''}`);
    const text = storyText(s);
    if (text) lines.push(`   ${text}`);
    for (const src of s.sources.slice(0, MAX_SOURCES_SHOWN)) lines.push(`   - ${src.name}: ${src.url}`);
    if (s.sources.length > MAX_SOURCES_SHOWN) lines.push(`   - and ${s.sources.length - MAX_SOURCES_SHOWN} more`);
    lines.push('');
  });
  return lines.join('\n').trimEnd() + '\n';
}

/** An alert as plain text (the console adapter). */
export function renderAlertText(alert: Alert): string {
  const s = cleanAlert(alert).story;
  const lines = [`ALERT: ${s.headline} [${alertBadge(s)}]`];
  if (s.summary) lines.push(`   ${s.summary}`);
  for (const src of s.sources.slice(0, MAX_SOURCES_SHOWN)) lines.push(`   - ${src.name}: ${src.url}`);
  return lines.join('\n') + '\n';
}
