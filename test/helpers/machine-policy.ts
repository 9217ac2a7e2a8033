/**
 * Chromium machine policy for tests: JSON files in /etc/chromium/policies/managed/ (root only).
 * That folder is machine-wide: every Chromium on the machine reads it. A test that writes there
 * holds an exclusive lock for as long as its file exists, and always removes the file afterwards;
 * `launchWithExtension` waits for the lock to be free before starting a browser.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CHROMIUM_POLICY_DIR = '/etc/chromium/policies/managed';
const LOCK_DIR = '/tmp/invigil-machine-policy.lock';
/** One file per running test browser (its test process's pid inside); see chromium.ts. */
export const BROWSER_USERS_DIR = '/tmp/invigil-chromium-users';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * With the lock held (no new browser starts), waits until the browsers other processes already
 * run have closed: policy written under them would change them mid-test. Stale entries (their
 * process is gone) are removed. Gives up after `timeoutMs` rather than wait forever.
 */
async function waitForOtherBrowsers(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let others = 0;
    for (const name of existsSync(BROWSER_USERS_DIR) ? readdirSync(BROWSER_USERS_DIR) : []) {
      const file = join(BROWSER_USERS_DIR, name);
      const pid = Number(readFileSync(file, 'utf8'));
      if (pid === process.pid) continue;
      if (!Number.isInteger(pid) || !alive(pid)) rmSync(file, { force: true });
      else others++;
    }
    if (others === 0 || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The pid of the live process holding the lock, or null. */
function lockHolder(): number | null {
  try {
    const pid = Number(readFileSync(join(LOCK_DIR, 'pid'), 'utf8'));
    if (!Number.isInteger(pid) || pid <= 0) return null;
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

async function acquire(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(join(LOCK_DIR, 'pid'), String(process.pid));
      return;
    } catch {
      if (lockHolder() === null) {
        rmSync(LOCK_DIR, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error('timed out waiting for the machine-policy lock');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function release(): void {
  rmSync(LOCK_DIR, { recursive: true, force: true });
}

/**
 * Waits until no other process holds machine policy in place (called before launching Chromium). A
 * policy this test process holds itself is its own to know about: waiting for it could only time out
 * (the end-page test's dashboard browser waited the whole 120 s for its own seat's policy).
 */
export async function waitForMachinePolicyFree(timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const holder = lockHolder();
    if (holder === null || holder === process.pid || Date.now() >= deadline) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Policy files left behind by a test process that died before removing its own (a timeout, kill -9):
 * with the lock held, any `invigil-test-*-PID.json` whose PID is gone would change every later
 * browser on the machine, so it goes.
 */
function removeStaleFiles(): void {
  for (const name of readdirSync(CHROMIUM_POLICY_DIR)) {
    const pid = /^invigil-test-.*-(\d+)\.json(\.tmp)?$/.exec(name)?.[1];
    if (pid && Number(pid) !== process.pid && !alive(Number(pid)))
      rmSync(join(CHROMIUM_POLICY_DIR, name), { force: true });
  }
}

export interface MachinePolicy {
  /** Replace the policy file's content (Chromium notices the change and reloads). */
  update(policy: Record<string, unknown>): void;
  /** Remove the file and release the lock. Safe to call twice. */
  remove(): void;
}

/** Writes a machine policy file under the lock. Call `remove()` in afterAll/finally. */
export async function installMachinePolicy(
  name: string,
  policy: Record<string, unknown>,
): Promise<MachinePolicy> {
  if (process.getuid?.() !== 0) throw new Error('writing Chromium machine policy needs root');
  await acquire(180_000);
  await waitForOtherBrowsers(180_000);
  mkdirSync(CHROMIUM_POLICY_DIR, { recursive: true });
  removeStaleFiles();
  const file = join(CHROMIUM_POLICY_DIR, `invigil-test-${name}-${process.pid}.json`);
  let removed = false;
  const write = (p: Record<string, unknown>) => {
    // Write then rename, so Chromium never reads half a file.
    writeFileSync(`${file}.tmp`, JSON.stringify(p, null, 2));
    renameSync(`${file}.tmp`, file);
  };
  write(policy);
  return {
    update: write,
    remove() {
      if (removed) return;
      removed = true;
      rmSync(file, { force: true });
      release();
    },
  };
}

/**
 * Holds the machine-policy lock (and waits for other tests' browsers to close) for a test that writes
 * machine-wide files of its own: Firefox's policies.json and native-messaging manifest
 * (test/helpers/firefox.ts). `release()` must be called after the files are removed.
 */
export async function holdMachinePolicyLock(): Promise<{ release(): void }> {
  if (process.getuid?.() !== 0) throw new Error('writing machine policy needs root');
  await acquire(180_000);
  await waitForOtherBrowsers(180_000);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      release();
    },
  };
}
