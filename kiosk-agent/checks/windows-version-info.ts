/**
 * Windows: the "original file name" compiled into an executable's version information, and who signed
 * it (Authenticode). Renaming KeePassXC.exe to notes.exe leaves both as they were, so the process check
 * still knows the program. systeminformation lists each process's executable path but neither of
 * these, so the agent asks PowerShell once per executable path it has not seen before:
 *
 *   Get-Item -LiteralPath '<path>', ... | ForEach-Object { $sig = Get-AuthenticodeSignature
 *     -LiteralPath $_.FullName; [pscustomobject]@{ Path = $_.FullName; OriginalFilename =
 *     $_.VersionInfo.OriginalFilename; ProductName = $_.VersionInfo.ProductName; Signer =
 *     $sig.SignerCertificate.Subject; SignatureStatus = [string]$sig.Status } } | ConvertTo-Json -Compress
 *
 * The publisher is the signer certificate's organisation (`O=`), and counts only when Windows says the
 * signature is `Valid` (written from the documentation of Get-AuthenticodeSignature, not run here).
 * and remembers the answer (an executable's version information does not change while it runs).
 * The output is parsed here; tests feed captured output from test/fixtures/windows/.
 */
import { execFile } from 'node:child_process';

export interface VersionInfo {
  path: string;
  originalFileName: string | null;
  productName: string | null;
  /** The Authenticode signer's organisation, when the signature is valid. */
  publisher: string | null;
}

/** The organisation (`O=`) of an X.500 subject such as `CN=AgileBits Inc., O=AgileBits Inc., L=Toronto, C=CA`. */
export function subjectOrganisation(subject: string): string | null {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of subject) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  const attr = (name: string) =>
    parts
      .map((p) => p.trim())
      .find((p) => p.toUpperCase().startsWith(`${name}=`))
      ?.slice(name.length + 1)
      .replace(/^"(.*)"$/, '$1')
      .trim();
  return attr('O') || attr('CN') || null;
}

/** PowerShell string literal: single quotes, with embedded quotes doubled. */
const psQuote = (s: string) => `'${s.replaceAll("'", "''")}'`;

export function versionInfoScript(paths: readonly string[]): string {
  return [
    "$ErrorActionPreference = 'SilentlyContinue'",
    `Get-Item -LiteralPath ${paths.map(psQuote).join(',')} | ForEach-Object { $sig = Get-AuthenticodeSignature -LiteralPath $_.FullName; [pscustomobject]@{ Path = $_.FullName; OriginalFilename = $_.VersionInfo.OriginalFilename; ProductName = $_.VersionInfo.ProductName; Signer = $sig.SignerCertificate.Subject; SignatureStatus = [string]$sig.Status } } | ConvertTo-Json -Compress`,
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
    const signer = text(r.Signer);
    out.push({
      path: r.Path,
      originalFileName: text(r.OriginalFilename),
      productName: text(r.ProductName),
      publisher: signer && r.SignatureStatus === 'Valid' ? subjectOrganisation(signer) : null,
    });
  }
  return out;
}

export interface ExecutableIdentity {
  originalFileName: string | null;
  publisher: string | null;
}

/** Remembers each executable's original file name and publisher; asks PowerShell only about new paths. */
export class VersionInfoCache {
  private readonly known = new Map<string, ExecutableIdentity | null>();

  async identities(paths: readonly string[]): Promise<Map<string, ExecutableIdentity | null>> {
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
      for (const v of infos)
        this.known.set(v.path.toLowerCase(), {
          originalFileName: v.originalFileName,
          publisher: v.publisher,
        });
    }
    return new Map(paths.map((p) => [p, this.known.get(p.toLowerCase()) ?? null]));
  }
}
