/** The demo's keys: single keys on a terminal, or one per line (keys or words) from a script. */
import { PassThrough } from 'node:stream';
import { expect, test } from 'vitest';
import { actionFor, type DemoAction, listenForActions } from '../../../demo/keys.ts';

test('each thing to try has a key and a word', () => {
  expect(actionFor('f')).toBe('forbidden-site');
  expect(actionFor('p')).toBe('password-manager');
  expect(actionFor('D')).toBe('display');
  expect(actionFor(' screenshot ')).toBe('screenshot');
  expect(actionFor('link')).toBe('sign-in-link');
  expect(actionFor('quit')).toBe('quit');
  expect(actionFor('x')).toBeNull();
  expect(actionFor('')).toBeNull();
});

test('from a script, one action per line; unknown lines are reported, the end of input stops nothing', async () => {
  const input = new PassThrough() as unknown as NodeJS.ReadStream;
  const actions: DemoAction[] = [];
  const unknown: string[] = [];
  let interrupted = false;
  const listening = listenForActions(
    input,
    (a) => actions.push(a),
    () => {
      interrupted = true;
    },
    (t) => unknown.push(t),
  );
  (input as unknown as PassThrough).write('p\nforbidden\n\nwhat\nd\n');
  (input as unknown as PassThrough).end();
  await new Promise((r) => setTimeout(r, 50));
  listening.close();
  expect(actions).toEqual(['password-manager', 'forbidden-site', 'display']);
  expect(unknown).toEqual(['what']);
  expect(interrupted).toBe(false);
});
