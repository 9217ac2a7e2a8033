/**
 * A real X server with hot-pluggable monitors for the display tests, on a display number the suite
 * owns: the runtime module `demo/virtual-display.ts` (which `invigil demo` uses too) on a fixed number.
 */
import { rmSync } from 'node:fs';
import { startVirtualDisplay, type VirtualDisplay } from '../../demo/virtual-display.ts';

/** The display numbers this project's agent tests may use (other suites use other numbers). */
export const AGENT_DISPLAYS = [90, 91, 92, 93, 94] as const;

export type XDisplay = VirtualDisplay;

export async function startXDisplay(n: (typeof AGENT_DISPLAYS)[number]): Promise<XDisplay> {
  // A server left over from an interrupted run of this suite would hold its display number.
  rmSync(`/tmp/.X${n}-lock`, { force: true });
  rmSync(`/tmp/.X11-unix/X${n}`, { force: true });
  return startVirtualDisplay({ number: n });
}
