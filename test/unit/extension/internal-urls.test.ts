import { describe, expect, test } from 'vitest';
import { classifyUrl } from '../../../extension/features/site-blocking/internal-urls.ts';
import { EXTENSION_ID } from '../../../shared/constants.ts';

const own = `chrome-extension://${EXTENSION_ID}`;

describe('browser pages a candidate could escape through are taken away', () => {
  test.each([
    'chrome://settings/',
    'chrome://settings/passwords',
    'chrome://settings/addresses',
    'chrome://password-manager/passwords',
    'chrome://extensions/',
    'chrome://flags/',
    'chrome://history/',
    'chrome://downloads/',
    'edge://settings/passwords',
    'view-source:https://www.theimi.org.uk/',
    'file:///etc/passwd',
    'file:///home/candidate/notes.txt',
    'devtools://devtools/bundled/inspector.html',
    'data:text/html,<textarea>notes</textarea>',
    'chrome-extension://nngceckbapebfimnlniiiahkandclblb/popup/index.html',
    'https://chromewebstore.google.com/detail/bitwarden/nngceckbapebfimnlniiiahkandclblb',
    'https://chrome.google.com/webstore/category/extensions',
    'https://microsoftedge.microsoft.com/addons/detail/x',
    'blob:null/3f1c1a8e-0000-4000-8000-000000000000',
    'not a url',
  ])('%s', (url) => {
    expect(classifyUrl(url, own)).toBe('internal');
  });
});

describe('what the tab watcher leaves alone', () => {
  test.each([
    ['https://www.theimi.org.uk/awarding', 'web'],
    ['http://answers.example.net/', 'web'],
    ['https://chrome.google.com/search', 'web'],
    ['https://google.com/webstore', 'web'],
    ['blob:https://www.theimi.org.uk/3f1c1a8e-0000-4000-8000-000000000000', 'web'],
    [`${own}/extension/pages/blocked/index.html#http://x.test/`, 'own'],
    ['chrome://newtab/', 'own'],
    ['about:blank', 'blank'],
    ['', 'blank'],
  ])('%s is %s', (url, kind) => {
    expect(classifyUrl(url, own)).toBe(kind);
  });
});
