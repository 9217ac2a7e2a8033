/**
 * Finding the candidate's display and its authority without trusting the candidate: the X server's
 * command line, logind's session records, the choice between them, and the Xauthority format.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import {
  chooseDisplay,
  cookieFromXauthority,
  logindSessions,
  parseXServerArgs,
  type XServerProcess,
} from '../../../../kiosk-agent/desktop/x11-session.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const server = (display: number, auth: string | null = null): XServerProcess => ({
  pid: 100 + display,
  display,
  executable: '/usr/lib/xorg/Xorg',
  auth,
});

describe('the X server command line', () => {
  test('gives the display number and the authority file', () => {
    expect(
      parseXServerArgs([
        '/usr/lib/xorg/Xorg',
        ':0',
        '-seat',
        'seat0',
        '-auth',
        '/var/run/lightdm/root/:0',
        '-nolisten',
        'tcp',
        'vt7',
      ]),
    ).toEqual({ display: 0, auth: '/var/run/lightdm/root/:0' });
    expect(parseXServerArgs(['Xvfb', '-displayfd', '3'])).toEqual({ display: null, auth: null });
  });
});

describe('choosing the display', () => {
  test("IT's word first: the config, then the service's DISPLAY; the server's own authority before any other", () => {
    const servers = [server(0, '/run/lightdm/root/:0'), server(7)];
    expect(
      chooseDisplay({
        configured: ':0',
        configuredAuth: '/etc/x',
        env: { DISPLAY: ':7', XAUTHORITY: '/e' },
        servers,
        sessions: [],
      }),
    ).toMatchObject({
      display: 0,
      how: "desktop.display in the seat's config",
      authFiles: ['/run/lightdm/root/:0', '/etc/x', '/e'],
    });
    expect(chooseDisplay({ env: { DISPLAY: ':7.0' }, servers, sessions: [] })).toMatchObject({
      display: 7,
      server: servers[1],
    });
  });

  test('the only X server, else the active login session, else an error that names the displays', () => {
    expect(chooseDisplay({ servers: [server(3)], sessions: [] }).display).toBe(3);
    const two = [server(0), server(1)];
    expect(
      chooseDisplay({
        servers: two,
        sessions: [
          { display: 1, user: 'exam', active: true },
          { display: 0, user: 'x', active: false },
        ],
      }),
    ).toMatchObject({ display: 1, how: 'the active login session of exam' });
    expect(() => chooseDisplay({ servers: two, sessions: [] })).toThrow(
      "2 X displays are running (:0, :1) and none is the one active login session's: set desktop.display in the seat's config",
    );
    expect(() => chooseDisplay({ servers: [], sessions: [] })).toThrow('no X server is running on this PC');
    expect(() => chooseDisplay({ configured: 'remote:0', servers: [], sessions: [] })).toThrow(
      'not a local X display',
    );
  });
});

describe("logind's session records", () => {
  test('give the graphical sessions and which is active; terminals and malformed files are skipped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'invigil-logind-'));
    dirs.push(dir);
    writeFileSync(join(dir, '2'), 'UID=1001\nUSER=exam\nACTIVE=1\nTYPE=x11\nDISPLAY=:0\n');
    writeFileSync(join(dir, '3'), 'UID=0\nUSER=root\nACTIVE=0\nTYPE=tty\n');
    writeFileSync(join(dir, '4'), 'garbage');
    writeFileSync(join(dir, '2.ref'), '');
    expect(logindSessions(dir)).toEqual([{ display: 0, user: 'exam', active: true }]);
    expect(logindSessions(join(dir, 'missing'))).toEqual([]);
  });
});

describe('the Xauthority format', () => {
  const u16 = (n: number) => Buffer.from([n >> 8, n & 255]);
  const field = (b: Buffer | string) => {
    const x = typeof b === 'string' ? Buffer.from(b) : b;
    return Buffer.concat([u16(x.length), x]);
  };
  const entry = (family: number, address: string, number: string, cookie: Buffer) =>
    Buffer.concat([u16(family), field(address), field(number), field('MIT-MAGIC-COOKIE-1'), field(cookie)]);

  test("finds this host's cookie for the display, else a wildcard one; a truncated file gives what parsed", () => {
    const mine = Buffer.alloc(16, 1);
    const other = Buffer.alloc(16, 2);
    const wild = Buffer.alloc(16, 3);
    const file = Buffer.concat([
      entry(256, 'seat-04', '1', other),
      entry(65535, '', '', wild),
      entry(256, 'seat-04', '0', mine),
    ]);
    expect(cookieFromXauthority(file, 0, 'seat-04')).toEqual(mine);
    expect(cookieFromXauthority(file, 5, 'seat-04')).toEqual(wild);
    expect(cookieFromXauthority(file.subarray(0, file.length - 5), 0, 'seat-04')).toEqual(wild);
    expect(cookieFromXauthority(Buffer.from('not an authority file'), 0, 'h')).toBeNull();
  });
});
