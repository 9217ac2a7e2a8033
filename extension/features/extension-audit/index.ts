/**
 * Other extensions: every one is listed in the report, password managers are flagged (by store
 * id, and by name for builds whose id we cannot know), and they are turned off where the policy
 * asks and the browser allows (an extension force-installed by policy cannot be). Also reports
 * how this extension was installed: anything but `admin` could be removed by the candidate.
 */
import { identifyPasswordManager } from '../../../shared/catalogs/extensions.ts';
import type { OtherExtension } from '../../../shared/schemas/report.ts';
import { on } from '../../lib/chrome-events.ts';
import { serial } from '../../lib/serial.ts';
import { browser, platform } from '../../platform/index.ts';
import { defineFeature, type FeatureContext, setCheckError } from '../feature.ts';

const MAX_LISTED = 200;

export default defineFeature({
  id: 'extension-audit',
  policyFields: ['otherExtensions'],
  init(ctx) {
    const audit = serial(() => auditExtensions(ctx));
    const again = () => {
      void audit();
    };
    on(browser.management.onInstalled, again, ctx.signal);
    on(browser.management.onEnabled, again, ctx.signal);
    on(browser.management.onDisabled, again, ctx.signal);
    on(browser.management.onUninstalled, again, ctx.signal);
    return (async () => {
      await ctx.loaded;
      ctx.policy.subscribe((now, before) => {
        if (now.policy.otherExtensions !== before.policy.otherExtensions) again();
      }, ctx.signal);
      const [self, info] = await Promise.all([browser.management.getSelf(), platform.browserInfo()]);
      const installType = installTypeOf(self.installType);
      ctx.status.update((s) => ({
        ...s,
        extension: { id: self.id, version: self.version, installType, managed: installType === 'admin' },
        browser: info,
      }));
      await audit();
    })();
  },
});

function installTypeOf(value: string | undefined): OtherExtension['installType'] {
  return value === 'admin' || value === 'development' || value === 'normal' || value === 'sideload'
    ? value
    : 'other';
}

async function auditExtensions(ctx: FeatureContext): Promise<void> {
  try {
    const mode = ctx.policy.get().policy.otherExtensions;
    const all = await browser.management.getAll();
    const listed: OtherExtension[] = [];
    for (const info of all) {
      // Themes change colours only; our own entry is reported as `extension`.
      if (info.id === browser.runtime.id || info.type === 'theme') continue;
      const pm = identifyPasswordManager({ id: info.id, name: info.name });
      const wanted = mode === 'disable' || (mode === 'disable-password-managers' && pm !== null);
      let enabled = info.enabled;
      let action: OtherExtension['action'];
      if (!enabled) action = 'disabled';
      else if (!wanted) action = 'left-enabled';
      else if (!info.mayDisable) action = 'cannot-disable';
      else {
        try {
          await browser.management.setEnabled(info.id, false);
          enabled = false;
          action = 'disabled';
          await ctx.log({
            type: 'event/extension-disabled',
            extensionId: info.id,
            name: clip(info.name),
            passwordManager: pm?.product ?? null,
          });
        } catch (e) {
          console.warn('[invigil] could not turn off', info.name, e);
          action = 'cannot-disable';
        }
      }
      listed.push({
        id: info.id,
        name: clip(info.name),
        version: info.version.slice(0, 64),
        installType: installTypeOf(info.installType),
        enabled,
        passwordManager: pm?.product ?? null,
        action,
      });
    }
    // The enabled ones first: they are what the report is for.
    listed.sort((a, b) => Number(b.enabled) - Number(a.enabled));
    ctx.status.update((s) => ({ ...s, extensions: listed.slice(0, MAX_LISTED) }));
    setCheckError(ctx, 'other-extensions', null);
  } catch (e) {
    setCheckError(ctx, 'other-extensions', e);
  }
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
