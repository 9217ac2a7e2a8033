/**
 * A Windows registry key as policy files write it and the agent reads it back: values are REG_DWORD
 * or REG_SZ (deploy/policy/formats/reg.ts encodes them as a .reg file).
 */
export type RegData = { type: 'dword'; value: number } | { type: 'sz'; value: string };

export interface RegKey {
  /** Full path, starting with the hive: `HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Google\Chrome`. */
  path: string;
  /** Delete the key (and everything under it) before writing it, so a re-import leaves no stale entries. */
  replace?: boolean;
  values: [name: string, data: RegData][];
}
