/**
 * Deciding who may speak for the browser, from what the OS says about the connecting process and its
 * parent. The real thing (the kernel's peer credentials, /proc, real Chromium) is in
 * test/e2e/kiosk-agent/link-trust*.test.ts; these are the decisions one by one.
 */
import { describe, expect, test } from 'vitest';
import { type ConnectorExpectations, judgeConnector } from '../../../../kiosk-agent/link-trust/connector.ts';
import type { ProcessFacts } from '../../../../kiosk-agent/link-trust/process-info.ts';

const ID = 'lafjhoockmahiigmahjcfjehlcadimim';
const expectations: ConnectorExpectations = {
  host: { node: '/usr/bin/node', script: '/usr/lib/invigil/dist/cli/invigil.js' },
  browserExecutables: ['/usr/lib/chromium/chromium'],
  extensionId: ID,
  extensionOrigin: `chrome-extension://${ID}/`,
  socketPath: '/run/invigil/agent.sock',
  launch: { allowFlags: [] },
};

function host(overrides: Partial<ProcessFacts> = {}): ProcessFacts {
  return {
    pid: 4100,
    executable: '/usr/bin/node',
    argv: [
      '/usr/bin/node',
      '/usr/lib/invigil/dist/cli/invigil.js',
      'native-host',
      '--socket',
      '/run/invigil/agent.sock',
      `chrome-extension://${ID}/`,
    ],
    environment: new Map(),
    parentPid: 4000,
    uid: 1001,
    user: 'exam',
    ...overrides,
  };
}

function browser(overrides: Partial<ProcessFacts> = {}): ProcessFacts {
  return {
    pid: 4000,
    executable: '/usr/lib/chromium/chromium',
    argv: ['/usr/lib/chromium/chromium', 'https://awarding.theimi.org.uk/'],
    environment: new Map([['HOME', '/home/exam']]),
    parentPid: 1,
    uid: 1001,
    user: 'exam',
    ...overrides,
  };
}

const reason = (peer: ProcessFacts, parent: ProcessFacts | null = browser()) => {
  const v = judgeConnector(peer, parent, expectations);
  return v.ok ? 'ok' : v.reason;
};

describe('who may speak for the browser', () => {
  test('the installed host, started by the managed browser with a clean environment, is accepted', () => {
    expect(reason(host())).toBe('ok');
    // Chrome on Windows adds its window; --extension-id for a centre's own id is the launcher's.
    expect(reason(host({ argv: [...(host().argv ?? []), '--parent-window=0'] }))).toBe('ok');
  });

  test('another program is refused, saying what it runs', () => {
    expect(reason(host({ executable: '/usr/bin/python3' }))).toBe(
      'it is not the installed native host: it runs /usr/bin/python3, not /usr/bin/node',
    );
  });

  test('Node running another script, or Node flags, is refused', () => {
    expect(reason(host({ argv: ['/usr/bin/node', '/tmp/forger.mjs', 'native-host'] }))).toMatch(
      /^it is not the installed native host: its command line is "\/usr\/bin\/node \/tmp\/forger.mjs native-host"/,
    );
    expect(
      reason(
        host({
          argv: [
            '/usr/bin/node',
            '--require',
            '/tmp/x.js',
            '/usr/lib/invigil/dist/cli/invigil.js',
            'native-host',
          ],
        }),
      ),
    ).toMatch(/^it is not the installed native host/);
  });

  test('an argument the launcher does not give is refused', () => {
    const argv = [...(host().argv ?? [])];
    expect(reason(host({ argv: [...argv, '--inspect'] }))).toBe(
      'it was started with an argument the installed launcher does not give: --inspect',
    );
    expect(
      reason(
        host({ argv: [...argv.slice(0, 3), '--socket', '/tmp/other.sock', `chrome-extension://${ID}/`] }),
      ),
    ).toMatch(/argument the installed launcher does not give: --socket/);
    expect(reason(host({ argv: argv.slice(0, 5) }))).toMatch(/no chrome-extension:/);
  });

  test('an environment that was not cleared is refused, naming the variables', () => {
    expect(reason(host({ environment: new Map([['NODE_OPTIONS', '--require /tmp/x.js']]) }))).toBe(
      'its environment was not cleared by the installed launcher (it holds NODE_OPTIONS)',
    );
  });

  test('a host started by anything but the managed browser is refused', () => {
    expect(reason(host(), browser({ pid: 3999, executable: '/usr/bin/bash', argv: ['bash'] }))).toBe(
      'it was not started by the managed browser (/usr/lib/chromium/chromium): its parent is process 3999 (/usr/bin/bash)',
    );
    expect(reason(host({ parentPid: null }), null)).toBe('the agent could not see which program started it');
  });

  test('a managed browser started with a flag the audit refuses does not get a voice', () => {
    expect(
      reason(host(), browser({ argv: ['/usr/lib/chromium/chromium', '--load-extension=/tmp/forged'] })),
    ).toBe(
      'its browser (process 4000) was started with --load-extension=/tmp/forged, which loads an extension that IT did not install',
    );
    expect(reason(host(), browser({ environment: new Map([['LD_PRELOAD', '/tmp/hook.so']]) }))).toMatch(
      /LD_PRELOAD=\/tmp\/hook.so, which loads a library of its own into the browser/,
    );
  });

  test("a host under another user than its browser's is refused", () => {
    expect(reason(host({ uid: 0, user: 'root' }))).toBe("it runs as root, not as its browser's user (exam)");
  });

  test('a process that has gone is refused', () => {
    expect(reason(host({ executable: null }))).toMatch(/could not see which program it is/);
  });
});

describe('on a Firefox seat', () => {
  const ADDON = 'exam-lockdown@invigil.uk';
  const MANIFEST = '/usr/lib/mozilla/native-messaging-hosts/uk.invigil.agent.json';
  const firefox: ConnectorExpectations = {
    ...expectations,
    browserExecutables: ['/usr/lib/firefox-esr/firefox-esr'],
    extensionId: ADDON,
    firefox: true,
  };
  const args = ['/usr/bin/node', '/usr/lib/invigil/dist/cli/invigil.js', 'native-host'];
  const ffHost = (rest: string[]) =>
    host({ argv: [...args, '--socket', '/run/invigil/agent.sock', '--browser', 'firefox', ...rest] });
  const ffBrowser = (argv = ['/usr/lib/firefox-esr/firefox-esr']) =>
    browser({ executable: '/usr/lib/firefox-esr/firefox-esr', argv });
  const judge = (peer: ProcessFacts, parent: ProcessFacts) => {
    const v = judgeConnector(peer, parent, firefox);
    return v.ok ? 'ok' : v.reason;
  };

  test('the host Firefox started, with the manifest path and the add-on id, is accepted', () => {
    expect(judge(ffHost([MANIFEST, ADDON]), ffBrowser())).toBe('ok');
  });

  test('Chromium is another browser there: a host it started is refused', () => {
    expect(judge(ffHost([MANIFEST, ADDON]), browser())).toMatch(/^it was not started by the managed browser/);
  });

  test('another add-on, a Chromium origin or a missing caller is refused', () => {
    expect(judge(ffHost([MANIFEST, 'evil@example.org']), ffBrowser())).toMatch(
      /an argument the installed launcher/,
    );
    expect(judge(ffHost([`chrome-extension://${ID}/`]), ffBrowser())).toMatch(
      /an argument the installed launcher/,
    );
    expect(judge(ffHost([]), ffBrowser())).toMatch(/no manifest path and add-on id/);
    expect(judge(ffHost(['/tmp/other.json', ADDON]), ffBrowser())).toMatch(
      /an argument the installed launcher/,
    );
  });

  test("a Firefox content process is not Firefox itself, and Firefox's undermining flags are named", () => {
    expect(
      judge(
        ffHost([MANIFEST, ADDON]),
        ffBrowser(['/usr/lib/firefox-esr/firefox-esr', '-contentproc', '-parentPid', '4000']),
      ),
    ).toMatch(/a browser helper process/);
    expect(
      judge(ffHost([MANIFEST, ADDON]), ffBrowser(['/usr/lib/firefox-esr/firefox-esr', '-marionette'])),
    ).toMatch(/-marionette, which hands the browser to a program that drives it/);
    expect(
      judge(ffHost([MANIFEST, ADDON]), ffBrowser(['/usr/lib/firefox-esr/firefox-esr', '--safe-mode'])),
    ).toMatch(/--safe-mode, which starts the browser with every extension off/);
  });
});
