/**
 * The documentation's pictures and links point at files that exist, and every picture in the guides
 * is one the end-to-end tests take (copied by `npm run docs:screenshots`), so the guides never show a
 * console that no longer exists.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { expect, test } from 'vitest';
import { DOC_IMAGES } from '../../../scripts/docs-screenshots-map.mjs';

const ROOT = resolve(import.meta.dirname, '../../..');
const markdown = [
  join(ROOT, 'README.md'),
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(ROOT, 'docs', f)),
  ...['extension', 'kiosk-agent', 'invigilator', 'shared', 'cli', 'deploy', 'bench', 'test'].map((d) =>
    join(ROOT, d, 'README.md'),
  ),
];

test.each(markdown.map((f) => [f.slice(ROOT.length + 1), f]))(
  '%s links only to files that exist',
  (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((m) => m[1] ?? '')
      .filter((t) => !/^[a-z]+:/.test(t) && !t.startsWith('#'))
      .map((t) => t.replace(/#.*$/, ''));
    for (const target of targets) expect(existsSync(resolve(dirname(file), target)), target).toBe(true);
  },
);

test('every picture in docs/images is one the end-to-end tests take', () => {
  const images = readdirSync(join(ROOT, 'docs/images')).filter((f) => f.endsWith('.png'));
  expect(images.sort()).toEqual(Object.keys(DOC_IMAGES).sort());
});
