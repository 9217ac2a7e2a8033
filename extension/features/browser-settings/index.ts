/**
 * Browser settings that must be off during an assessment: password saving and autofill (the
 * awarding body's rule), and the services that send what is on the page to the browser's maker:
 * translation (which rewrites a question in the candidate's language), the online spelling service
 * and search suggestions. Each is set to false through `privacy.services`, read back with its level
 * of control, and turned off again whenever anything turns it on (logged). When another extension or
 * the browser's policy holds a setting on, we cannot win, and the report says so.
 *
 * A browser that gives extensions no such setting (Firefox has only password saving) either says
 * what keeps it off instead (`platform.unprovable`: its enterprise policy, which the agent reads
 * back), and the report carries that as a note, or the line fails closed.
 */
import type { PrivacySettingState } from '../../../shared/schemas/report.ts';
import { on } from '../../lib/chrome-events.ts';
import { platform, type Unprovable } from '../../platform/index.ts';
import { PRIVACY_SETTINGS, type PrivacySettingKey } from '../compliance-report/build.ts';
import { defineFeature, type FeatureContext, setCheckError } from '../feature.ts';

/** The browser's own setting for each of ours (the adapter knows which it has). */
const settings = () => platform.privacySettings();

/** The checklist line each setting belongs to (for "could not be checked"). */
const CHECK_OF: Record<PrivacySettingKey, Unprovable | 'password-saving'> = {
  passwordSaving: 'password-saving',
  autofillAddress: 'autofill',
  autofillCreditCard: 'autofill',
  translationService: 'browser-services',
  spellingService: 'browser-services',
  searchSuggest: 'browser-services',
};

export default defineFeature({
  id: 'browser-settings',
  policyFields: [],
  init(ctx) {
    const all = settings();
    for (const key of PRIVACY_SETTINGS) {
      const setting = all[key];
      if (!setting) {
        const line = CHECK_OF[key];
        const instead = line === 'password-saving' ? undefined : platform.unprovable[line];
        if (instead) {
          // Not readable in this browser, and something else keeps it off: the report says which.
          record(ctx, key, { value: null, levelOfControl: null, off: false, note: NOT_READABLE });
          ctx.status.update((s) => ({ ...s, unprovable: { ...s.unprovable, [line]: instead } }));
        } else {
          // This browser does not have it (an old one, or another browser): say so rather than pass.
          setCheckError(ctx, line, new Error(`the browser has no ${key} setting`));
        }
        continue;
      }
      on(
        setting.onChange,
        (details: { value: unknown; levelOfControl: string }) => {
          void onChanged(ctx, key, details);
        },
        ctx.signal,
      );
    }
    return (async () => {
      await ctx.loaded;
      await Promise.all(PRIVACY_SETTINGS.filter((key) => all[key]).map((key) => turnOff(ctx, key)));
    })();
  },
});

/** The state of a setting the browser gives extensions no way to read. */
export const NOT_READABLE = 'this browser gives extensions no way to read it';

async function onChanged(
  ctx: FeatureContext,
  key: PrivacySettingKey,
  details: { value: unknown; levelOfControl: string },
): Promise<void> {
  if (details.value !== true) {
    // Our own change (or someone else turning it off): just record the new state.
    record(ctx, key, toState(details));
    return;
  }
  // Something turned it back on: turn it off again, and log whether that worked.
  const state = await turnOff(ctx, key);
  await ctx.log({ type: 'event/setting-reverted', setting: key, restored: state.off });
}

async function turnOff(ctx: FeatureContext, key: PrivacySettingKey): Promise<PrivacySettingState> {
  const setting = settings()[key];
  if (!setting) throw new Error(`the browser has no ${key} setting`);
  let setError: string | undefined;
  try {
    await setting.set({ value: false });
  } catch (e) {
    // Refused when another extension or policy controls it; the read-back below says which.
    setError = e instanceof Error ? e.message : String(e);
  }
  try {
    const details = (await setting.get({})) as { value: unknown; levelOfControl: string };
    const state = toState(details, setError);
    record(ctx, key, state);
    clearCheckError(ctx, key);
    return state;
  } catch (e) {
    setCheckError(ctx, CHECK_OF[key], e);
    const state: PrivacySettingState = {
      value: null,
      levelOfControl: null,
      off: false,
      note: 'could not be read',
    };
    record(ctx, key, state);
    return state;
  }
}

/** Clears a line's error unless another setting on it could not be read either. */
function clearCheckError(ctx: FeatureContext, key: PrivacySettingKey): void {
  const line = CHECK_OF[key];
  const privacy = ctx.status.get().privacy ?? {};
  const siblings = PRIVACY_SETTINGS.filter((k) => CHECK_OF[k] === line);
  if (siblings.every((k) => privacy[k]?.note !== 'could not be read')) setCheckError(ctx, line, null);
}

const LEVELS = new Set([
  'not_controllable',
  'controlled_by_other_extensions',
  'controllable_by_this_extension',
  'controlled_by_this_extension',
]);

export function toState(
  details: { value: unknown; levelOfControl: string },
  setError?: string,
): PrivacySettingState {
  const value = typeof details.value === 'boolean' ? details.value : null;
  const levelOfControl = LEVELS.has(details.levelOfControl)
    ? (details.levelOfControl as PrivacySettingState['levelOfControl'])
    : null;
  const state: PrivacySettingState = { value, levelOfControl, off: value === false };
  if (!state.off) {
    state.note =
      levelOfControl === 'controlled_by_other_extensions'
        ? 'another extension controls this setting'
        : levelOfControl === 'not_controllable'
          ? "the browser's policy sets this setting"
          : setError
            ? `the browser refused the change: ${setError.slice(0, 150)}`
            : 'still on after being turned off';
  }
  return state;
}

function record(ctx: FeatureContext, key: PrivacySettingKey, state: PrivacySettingState): void {
  ctx.status.update((s) => ({ ...s, privacy: { ...(s.privacy ?? {}), [key]: state } }));
}
