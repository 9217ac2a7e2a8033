/**
 * `virtual-machine`: the PC is a virtual machine. Warn by default (virtual desktops are
 * legitimate in some rooms, and false positives are the commonest complaint about lockdown tools);
 * a centre that uses physical PCs only sets `severity: { virtual-machine: block }`.
 */
import si from 'systeminformation';
import type { CheckResult } from '../../shared/schemas/common.ts';
import { agentFinding, checkResult } from './results.ts';

export const VM_CHECK = { id: 'virtual-machine', title: 'This PC is a physical machine' };

export async function checkVirtualMachine(): Promise<CheckResult> {
  const sys = await si.system();
  const host = sys.virtualHost || [sys.manufacturer, sys.model].filter(Boolean).join(' ') || 'a hypervisor';
  const findings = sys.virtual
    ? [
        agentFinding('virtual-machine', `This PC is a virtual machine (${host}).`, {
          subject: host,
          details: { manufacturer: sys.manufacturer, model: sys.model },
        }),
      ]
    : [];
  return checkResult(
    VM_CHECK.id,
    VM_CHECK.title,
    findings,
    `This PC is a physical machine (${[sys.manufacturer, sys.model].filter(Boolean).join(' ') || 'no hypervisor found'}).`,
  );
}
