import type { Digest } from '../../digest/model.js';
import { digestSubtitle, shownSources, storyBadge } from '../../digest/format.js';

/** A digest as plain text: the console adapter and `preview --format text`. */
export function renderText(d: Digest): string {
  const lines = [d.title, digestSubtitle(d), ''];
  d.stories.forEach((s, i) => {
    const badge = storyBadge(s);
    lines.push(`${i + 1}. ${s.headline}${badge ? ` [${badge}]` : ''}`);
    if (s.summary) lines.push(`   ${s.summary}`);
    const { shown, more } = shownSources(s);
    for (const src of shown) lines.push(`   - ${src.name}: ${src.url}`);
    if (more) lines.push(`   - and ${more} more`);
    lines.push('');
  });
  return lines.join('\n').trimEnd() + '\n';
}
