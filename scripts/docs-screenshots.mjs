// `npm run docs:screenshots`: copies the screenshots the end-to-end tests took (test-results/screenshots)
// into docs/images for the invigilator guide. Run `npm test` first.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DOC_IMAGES } from './docs-screenshots-map.mjs';
import { ROOT } from './ensure.mjs';

const from = join(ROOT, 'test-results/screenshots');
const to = join(ROOT, 'docs/images');
mkdirSync(to, { recursive: true });
let missing = 0;
for (const [doc, shot] of Object.entries(DOC_IMAGES)) {
  const src = join(from, shot);
  if (!existsSync(src)) {
    process.stderr.write(`missing ${src}: run npm test first\n`);
    missing++;
    continue;
  }
  copyFileSync(src, join(to, doc));
  process.stdout.write(`docs/images/${doc} <- test-results/screenshots/${shot}\n`);
}
process.exit(missing > 0 ? 1 : 0);
