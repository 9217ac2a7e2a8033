/**
 * `virtual-machine`, run for real: this project's machines are KVM guests (systeminformation says so,
 * see ../shared/toolchain-notes.md), so the check must find it, with a warning, not a block.
 */
import { describe, expect, test } from 'vitest';
import { checkVirtualMachine, VM_CHECK } from '../../../../kiosk-agent/checks/virtual-machine.ts';
import { applySeverityOverrides, readiness } from '../../../../shared/rules/readiness.ts';

describe("the 'virtual-machine' check", () => {
  test('finds that this PC is a virtual machine, as a warning a centre can make blocking', async () => {
    const line = await checkVirtualMachine();
    expect(line.id).toBe(VM_CHECK.id);
    expect(line.status).toBe('fail');
    expect(line.findings[0]).toMatchObject({ code: 'virtual-machine', severity: 'warn' });
    expect(line.findings[0]?.message).toMatch(/^This PC is a virtual machine \(.+\)\.$/);
    expect(readiness(line.findings).state).toBe('attention');
    const strict = applySeverityOverrides(line.findings, { 'virtual-machine': 'block' });
    expect(readiness(strict).state).toBe('not-ready');
  }, 30_000);
});
