/**
 * Downloads: no part of an assessment may be saved. Every download is cancelled as soon as it
 * starts, removed from disk if it finished first (a small file can), erased from the browser's
 * list and logged. The policy may allow downloads (`allowDownloads`).
 */

import type { Downloads } from 'webextension-polyfill';
import { on } from '../../lib/chrome-events.ts';
import { KEYS, readStored, writeStored } from '../../lib/stored.ts';
import { browser } from '../../platform/index.ts';
import { defineFeature, type FeatureContext } from '../feature.ts';

export default defineFeature({
  id: 'downloads',
  policyFields: ['allowDownloads'],
  init(ctx) {
    on(
      browser.downloads.onCreated,
      (item) => {
        void stopDownload(ctx, item);
      },
      ctx.signal,
    );
    return (async () => {
      await ctx.loaded;
      const stored = await readStored(KEYS.downloads);
      const show = () =>
        ctx.status.update((s) => ({
          ...s,
          downloads: {
            blocked: !ctx.policy.get().policy.allowDownloads,
            blockedCount: Math.max(s.downloads.blockedCount, stored?.blockedCount ?? 0),
          },
        }));
      ctx.policy.subscribe(show, ctx.signal);
      show();
    })();
  },
});

async function stopDownload(ctx: FeatureContext, item: Downloads.DownloadItem): Promise<void> {
  await ctx.loaded;
  if (ctx.policy.get().policy.allowDownloads) return;
  await browser.downloads.cancel(item.id).catch(() => undefined);
  const [after] = await browser.downloads.search({ id: item.id });
  if (after?.state === 'complete') {
    // It finished before the cancel reached it: delete the file itself.
    await browser.downloads.removeFile(item.id).catch((e) => console.error('[invigil] removeFile', e));
  }
  await browser.downloads.erase({ id: item.id }).catch(() => undefined);
  const filename = (after?.filename || item.filename).split(/[\\/]/).pop();
  ctx.status.update((s) => ({
    ...s,
    downloads: { ...s.downloads, blockedCount: s.downloads.blockedCount + 1 },
  }));
  await writeStored(KEYS.downloads, { blockedCount: ctx.status.get().downloads.blockedCount });
  await ctx.log({
    type: 'event/download-blocked',
    // Chromium says where the download ended up after redirects; Firefox gives the address it started from.
    url: (item as { finalUrl?: string }).finalUrl || item.url,
    ...(filename ? { filename: filename.slice(0, 200) } : {}),
  });
}
