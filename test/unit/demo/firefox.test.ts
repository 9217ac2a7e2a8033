/**
 * The demo's Firefox: its command line and profile preferences, and the CONNECT proxy that maps the
 * awarding body's host names to the demo's page (real sockets: a local TCP server stands in for it).
 */
import { createServer, connect as netConnect, type Server } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { firefoxArgs, firefoxPrefs, startHostMapProxy, userJs } from '../../../demo/firefox.ts';

describe("the demo's Firefox", () => {
  test('its own profile, no remote, WebDriver BiDi on a free port, headless only when asked', () => {
    const args = firefoxArgs({ profile: '/tmp/d/profile', headless: true });
    expect(args.slice(0, 3)).toEqual(['--profile', '/tmp/d/profile', '--no-remote']);
    expect(args).toContain('--headless');
    expect(args[args.indexOf('--remote-debugging-port') + 1]).toBe('0');
    expect(firefoxArgs({ profile: '/p', headless: false })).not.toContain('--headless');
  });

  test('unsigned add-ons allowed and https through the demo proxy, written as user.js lines', () => {
    const prefs = firefoxPrefs(4321);
    expect(prefs['xpinstall.signatures.required']).toBe(false);
    expect(prefs['network.proxy.type']).toBe(1);
    expect(prefs['network.proxy.ssl_port']).toBe(4321);
    expect(firefoxPrefs(null)['network.proxy.type']).toBeUndefined();
    expect(userJs({ 'a.b': false, 'c.d': 'x"y' })).toBe(
      'user_pref("a.b", false);\nuser_pref("c.d", "x\\"y");\n',
    );
  });
});

describe('the host-map proxy', () => {
  let target: Server | undefined;
  let proxy: { port: number; close(): void } | undefined;
  afterEach(() => {
    proxy?.close();
    target?.close();
  });

  async function talk(port: number, request: string, then?: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = netConnect(port, '127.0.0.1', () => s.write(request));
      let text = '';
      s.on('data', (d) => {
        text += d.toString();
        if (then && text.includes('\r\n\r\n') && text.startsWith('HTTP/1.1 200')) {
          s.write(then);
          then = undefined;
        }
        if (text.includes('echo:')) s.end();
      });
      s.on('end', () => resolve(text));
      s.on('error', reject);
    });
  }

  test('tunnels a mapped host on 443 to its target, and refuses any other', async () => {
    target = createServer((c) => c.on('data', (d) => c.write(`echo:${d.toString()}`)));
    await new Promise<void>((r) => target?.listen(0, '127.0.0.1', () => r()));
    const address = target.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    proxy = await startHostMapProxy({ 'www.theimi.org.uk': `127.0.0.1:${port}` });

    const ok = await talk(proxy.port, 'CONNECT www.theimi.org.uk:443 HTTP/1.1\r\nHost: x\r\n\r\n', 'hello');
    expect(ok).toMatch(/^HTTP\/1\.1 200 /);
    expect(ok).toContain('echo:hello');

    for (const request of [
      'CONNECT www.google.com:443 HTTP/1.1\r\n\r\n',
      'CONNECT www.theimi.org.uk:22 HTTP/1.1\r\n\r\n',
      'GET http://www.theimi.org.uk/ HTTP/1.1\r\nHost: www.theimi.org.uk\r\n\r\n',
    ]) {
      expect(await talk(proxy.port, request)).toMatch(/^HTTP\/1\.1 403 /);
    }
  });
});
