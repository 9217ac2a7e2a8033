/**
 * Windows: the "original file name" compiled into an executable's version information. Renaming
 * KeePassXC.exe to notes.exe leaves it at KeePassXC.exe, so the process check still knows the
 * program. systeminformation lists each process's executable path but not its version
 * information, so the agent asks PowerShell once per executable path it has not seen before:
 *
 *   Get-Item -LiteralPath '<path>', ... | ForEach-Object { [pscustomobject]@{ Path = $_.FullName;
 *     OriginalFilename = $_.VersionInfo.OriginalFilename; ProductName = $_.VersionInfo.ProductName } }
 *   | ConvertTo-Json -Compress
 *
 * and remembers the answer (an executable's version information does not change while it runs).
 * The output is parsed here; tests feed captured output from test/fixtures/windows/.
 */
import { execFile } from 'node:child_process';

export interface VersionInfo {
  path: string;
  originalFileName: string | null;
  productName: string | null;
}

/** PowerShell string literal: single quotes, with embedded quotes doubled. */
const psQuote = (s: string) => `'${s.replaceAll("'", "''")}'`;

export function versionInfoScript(paths: readonly string[]): string {
  return [
    "$ErrorActionPreference = 'SilentlyContinue'",
    `Get-Item -LiteralPath ${paths.map(psQuote).join(',')} | ForEach-Object { [pscustomobject]@{ Path = $_.FullName; OriginalFilename = $_.VersionInfo.OriginalFilename; ProductName = $_.VersionInfo.ProductName } } | ConvertTo-Json -Compress`,
  ].join('; ');
}

/** ConvertTo-Json gives an object for one item and an array for several; a BOM may lead. */
export function parseVersionInfoOutput(stdout: string): VersionInfo[] {
  const text = stdout.replace(/^\uFEFF/, '').trim();
  if (text === '') return [];
  const parsed = JSON.parse(text) as unknown;
  const items = Array.isArray(parsed) ? parsed : [parsed];
  const out: VersionInfo[] = [];
  for (const item of items) {
    if (typeof item !== 'object' || item === null) continue;
    const r = item as Record<string, unknown>;
    if (typeof r.Path !== 'string') continue;
    const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
    out.push({ path: r.Path, originalFileName: text(r.OriginalFilename), productName: text(r.ProductName) });
  }
  return out;
}

/** Remembers each executable's original file name; asks PowerShell only about new paths. */
export class VersionInfoCache {
  private readonly known = new Map<string, string | null>();

  async originalFileNames(paths: readonly string[]): Promise<Map<string, string | null>> {
    const missing = [...new Set(paths.filter((p) => p && !this.known.has(p.toLowerCase())))];
    // Batches keep the command line well under Windows' 32k-character limit.
    for (let i = 0; i < missing.length; i += 40) {
      const batch = missing.slice(i, i + 40);
      for (const p of batch) this.known.set(p.toLowerCase(), null);
      const stdout = await new Promise<string>((resolve) => {
        execFile(
          'powershell.exe',
          ['-NoProfile', '-NonInteractive', '-Command', versionInfoScript(batch)],
          { timeout: 30_000, windowsHide: true, maxBuffer: 8 * 1024 * 1024 },
          (error, out) => resolve(error ? '' : out),
        );
      });
      let infos: VersionInfo[] = [];
      try {
        infos = parseVersionInfoOutput(stdout);
      } catch {
        // Unreadable output: these paths stay unknown (matched by name only) rather than stopping the check.
      }
      for (const v of infos) this.known.set(v.path.toLowerCase(), v.originalFileName);
    }
    return new Map(paths.map((p) => [p, this.known.get(p.toLowerCase()) ?? null]));
  }
}
