/**
 * Password saving and autofill off: set to false through chrome.privacy, read back with their
 * level of control, and turned off again whenever anything turns them on (logged). When another
 * extension or the browser's policy holds a setting on, we cannot win, and the report says so.
 */
import type { PrivacySettingState } from '../../../shared/schemas/report.ts';
import { on } from '../../lib/chrome-events.ts';
import { defineFeature, type FeatureContext, setCheckError } from '../feature.ts';

type SettingKey = 'passwordSaving' | 'autofillAddress' | 'autofillCreditCard';
type Setting = chrome.types.ChromeSetting<boolean>;

function settings(): Record<SettingKey, Setting> {
  return {
    passwordSaving: chrome.privacy.services.passwordSavingEnabled,
    autofillAddress: chrome.privacy.services.autofillAddressEnabled,
    autofillCreditCard: chrome.privacy.services.autofillCreditCardEnabled,
  };
}

const KEYS: readonly SettingKey[] = ['passwordSaving', 'autofillAddress', 'autofillCreditCard'];

export default defineFeature({
  id: 'autofill-lockdown',
  policyFields: [],
  init(ctx) {
    const all = settings();
    for (const key of KEYS) {
      on(
        all[key].onChange,
        (details: { value: unknown; levelOfControl: string }) => {
          void onChanged(ctx, key, details);
        },
        ctx.signal,
      );
    }
    return (async () => {
      await ctx.loaded;
      await Promise.all(KEYS.map((key) => turnOff(ctx, key)));
    })();
  },
});

async function onChanged(
  ctx: FeatureContext,
  key: SettingKey,
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

async function turnOff(ctx: FeatureContext, key: SettingKey): Promise<PrivacySettingState> {
  const setting = settings()[key];
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
    setCheckError(ctx, key === 'passwordSaving' ? 'password-saving' : 'autofill', null);
    return state;
  } catch (e) {
    setCheckError(ctx, key === 'passwordSaving' ? 'password-saving' : 'autofill', e);
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

function record(ctx: FeatureContext, key: SettingKey, state: PrivacySettingState): void {
  ctx.status.update((s) => {
    const unread: PrivacySettingState = {
      value: null,
      levelOfControl: null,
      off: false,
      note: 'not read yet',
    };
    const privacy = s.privacy ?? {
      passwordSaving: unread,
      autofillAddress: unread,
      autofillCreditCard: unread,
    };
    return { ...s, privacy: { ...privacy, [key]: state } };
  });
}
