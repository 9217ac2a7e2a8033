/** Names the manifest needs too (it is built in Node, so this file imports nothing of the worker's). */
import { PRODUCT_NAME } from '../../../shared/constants.ts';

/** The manifest's command for the keyboard shortcut. */
export const RAISE_HAND_COMMAND = 'raise-hand';
/** The keys suggested for it (the browser's extension shortcut settings can change them). */
export const RAISE_HAND_KEYS = 'Alt+Shift+H';
export const TOOLBAR_TITLE = `${PRODUCT_NAME}: seat checklist and Raise hand`;
/** Pressing again within this is the same raised hand (and cannot flood the record). */
export const HAND_REPEAT_MS = 15_000;
/** How long the toolbar button and the pages show the hand as raised. */
export const HAND_SHOWN_MS = 120_000;
