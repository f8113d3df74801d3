import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { TopicMatcher } from '../src/topics/matcher.js';
import { ROOT, tempDir } from './helpers/app.js';

const topic = loadConfig(path.join(ROOT, 'config/default.yaml'), {}).topics[0]!;
const matcher = new TopicMatcher(topic);
const judge = (title: string, description = '', url = 'https://news.example/a', body = '') => matcher.match({ title, description, body, url });

describe('topic rules: Patriot transfers and Ukraine air defense', () => {
  it('keeps Patriot transfers and Ukraine air-defense news', () => {
    expect(judge('Germany to deliver two more Patriot systems to Kyiv').relevant).toBe(true);
    expect(judge('Pentagon pauses shipments of Patriot interceptors as stocks run low').relevant).toBe(true);
    expect(judge('Russian drones and missiles pound Lviv overnight; air defense downs most').relevant).toBe(true);
    expect(judge('Norway pledges NASAMS launchers for Ukraine').relevant).toBe(true);
  });

  it('does not match patriot inside other words: compatriot, patriotic, patriotism', () => {
    expect(judge('Runner beats her compatriot in a photo finish', 'The missile-fast sprinter won.').relevant).toBe(false);
    expect(judge('Mayor gives patriotic speech at missile museum opening').relevant).toBe(false);
    expect(judge('Parade mixes patriotism and military systems').relevant).toBe(false);
  });

  it("rejects the NFL: Patriots' defense is not air defense", () => {
    const d = judge("Patriots' defense stifles Jets as New England wins", 'The Patriots defense held the quarterback to 120 yards in the NFL game.');
    expect(d.relevant).toBe(false);
    expect(d.misses.some((m) => m.group === 'patriot-system' && /negative context/.test(m.reason))).toBe(true);
  });

  it('masks the Patriot Act and Patriot Front', () => {
    expect(judge('Senate debates renewal of Patriot Act surveillance system').relevant).toBe(false);
    expect(judge('Patriot Front members march with banners', 'The group marched past the army recruitment office.').relevant).toBe(false);
  });

  it('does not count "Patriot" found only in the URL', () => {
    const d = judge('Officials meet to discuss budget priorities', '', 'https://news.example/2025/07/patriot-missiles-ukraine-budget');
    expect(d.relevant).toBe(false);
    expect(d.hits.filter((h) => h.field === 'url').every((h) => h.points < topic.threshold)).toBe(true);
  });

  it('understands Ukrainian, Russian, German and Swedish headlines', () => {
    expect(judge('Німеччина передасть Україні ще одну систему Петріот').relevant).toBe(true);
    expect(judge('Сили ППО збили 40 дронів над Києвом').relevant).toBe(true);
    expect(judge('Deutschland liefert weitere Luftabwehrsysteme an die Ukraine').relevant).toBe(true);
    expect(judge('Sverige skänker luftvärn till Ukraina').relevant).toBe(true);
    expect(judge('Regeringen köper patriotrobotar till Ukraina').relevant).toBe(true);
  });

  it("leaves Russia's own air defense out", () => {
    expect(judge('Russian air defenses intercept drones over Moscow region', 'Ukrainian drones targeted a refinery.').relevant).toBe(false);
  });

  it('explains its score with the rule hits', () => {
    const d = judge('Japan to send Patriot missiles to the US to free stocks for Ukraine');
    expect(d.relevant).toBe(true);
    expect(d.hits[0]).toMatchObject({ group: 'patriot-system', term: 'patriot', field: 'title', points: 5 });
    expect(d.score).toBeGreaterThanOrEqual(d.threshold);
  });

  it('runs a second topic from the config with no code change', () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, 'two.yaml');
      writeFileSync(
        file,
        `topics:
  - id: grain-exports
    name: Ukrainian grain exports
    threshold: 2
    aliases:
      grain: [wheat, corn, зерно]
    groups:
      - name: grain
        weight: 1.5
        terms: [grain]
        requires: [ukrain*, odesa, black sea]
`,
      );
      const second = new TopicMatcher(loadConfig(file, {}).topics[0]!);
      expect(second.match({ title: 'Wheat shipments leave Odesa port', description: '', body: '', url: '' }).relevant).toBe(true);
      expect(second.match({ title: 'Wheat prices in Kansas', description: '', body: '', url: '' }).relevant).toBe(false);
    } finally {
      cleanup();
    }
  });
});
