import { describe, expect, test } from 'vitest';
import { trustedSender } from '../../../extension/lib/page-messages.ts';
import { check } from '../../../extension/lib/validate.ts';
import { EXTENSION_ID } from '../../../shared/constants.ts';

const ours = `chrome-extension://${EXTENSION_ID}`;

describe('only our own pages may talk to the worker', () => {
  test('a page of ours (our id, our origin) is trusted', () => {
    expect(
      trustedSender(
        { id: EXTENSION_ID, origin: ours, url: `${ours}/extension/pages/popup/index.html` },
        EXTENSION_ID,
      ),
    ).toBe(true);
  });

  test.each([
    ['a web page', { origin: 'https://answers.example.net', url: 'https://answers.example.net/' }],
    [
      'another extension',
      {
        id: 'nngceckbapebfimnlniiiahkandclblb',
        origin: 'chrome-extension://nngceckbapebfimnlniiiahkandclblb',
      },
    ],
    [
      'a content script of ours on a web page',
      { id: EXTENSION_ID, origin: 'https://evil.test', url: 'https://evil.test/' },
    ],
    ['our id with a look-alike origin', { id: EXTENSION_ID, origin: `${ours}.evil.test` }],
    // The URL alone proves nothing: senders are classified by id and origin, never by URL.
    ['a sender that only claims our URL', { url: `${ours}/extension/pages/popup/index.html` }],
  ])('%s is refused', (_, sender) => {
    expect(trustedSender(sender, EXTENSION_ID)).toBe(false);
  });
});

describe('what our pages may ask', () => {
  test.each([[{ type: 'report/get' }], [{ type: 'message/shown', instructionId: 'msg-0001-abcdef' }]])(
    '%j is accepted',
    (m) => {
      expect(check('pageMessage', m).ok).toBe(true);
    },
  );

  test.each([
    [{ type: 'policy/set', allowedHosts: ['*'] }],
    [{ type: 'message/shown' }],
    [{ type: 'message/shown', instructionId: 'has spaces in it' }],
    ['report/get'],
    [null],
  ])('%j is refused', (m) => {
    expect(check('pageMessage', m).ok).toBe(false);
  });
});
