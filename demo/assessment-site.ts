/**
 * A stand-in for the awarding body's assessment site, served on this PC. The extension's built-in
 * allowlist is `theimi.org.uk` and its assessment address `https://www.theimi.org.uk/awarding`,
 * which this PC may not reach (or should not, in a demo): the demo's browser maps those host names
 * to this server (`--host-resolver-rules`) and trusts this server's self-signed certificate, made
 * with the machine's `openssl`, by its key only (`--ignore-certificate-errors-spki-list`: no other
 * certificate error is ignored, and only in the demo's throwaway profile).
 */
import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** The host names the demo maps to this server: the default allowlist's site. */
export const ASSESSMENT_HOSTS = ['www.theimi.org.uk', 'theimi.org.uk'] as const;

export interface AssessmentSite {
  port: number;
  /** base64 SHA-256 of the certificate's public key, for `--ignore-certificate-errors-spki-list`. */
  spkiHash: string;
  /** Requests served so far (the browser reached the page). */
  readonly requests: number;
  close(): Promise<void>;
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 30_000 }, (error, _stdout, stderr) => {
      if (!error) resolve();
      else if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        reject(new Error(`${cmd} is not installed`));
      else reject(new Error(`${cmd} failed: ${String(stderr).trim().split('\n').at(-1) ?? error.message}`));
    });
  });
}

/** A self-signed certificate for the awarding body's host names (P-256, valid for two days). */
export async function makeCertificate(dir: string): Promise<{ cert: Buffer; key: Buffer; spkiHash: string }> {
  const certFile = join(dir, 'assessment-cert.pem');
  const keyFile = join(dir, 'assessment-key.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '2',
    '-subj',
    `/CN=${ASSESSMENT_HOSTS[0]}/O=Invigil demo (not the awarding body)`,
    '-addext',
    `subjectAltName=${ASSESSMENT_HOSTS.map((h) => `DNS:${h}`).join(',')}`,
  ]);
  const cert = readFileSync(certFile);
  const key = readFileSync(keyFile);
  const spki = new X509Certificate(cert).publicKey.export({ type: 'spki', format: 'der' });
  return { cert, key, spkiHash: createHash('sha256').update(spki).digest('base64') };
}

export async function startAssessmentSite(dir: string): Promise<AssessmentSite> {
  const { cert, key, spkiHash } = await makeCertificate(dir);
  let requests = 0;
  const server: Server = createServer({ cert, key }, (req, res) => {
    requests++;
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'",
    });
    res.end(ASSESSMENT_PAGE);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    spkiHash,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A calm, plain assessment page: one question, clearly marked as the demo's stand-in. */
export const ASSESSMENT_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Online assessment (demo)</title>
<style>
  :root { --ink: #1c2733; --muted: #5b6b7b; --line: #d9e0e7; --brand: #0b5f73; --bg: #f4f6f8; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
  header { background: #fff; border-bottom: 1px solid var(--line); padding: 0.8rem 2rem; display: flex; justify-content: space-between; align-items: center; }
  header strong { color: var(--brand); font-size: 1.05rem; }
  .timer { font-variant-numeric: tabular-nums; color: var(--muted); }
  .demo-note { background: #fff7e0; border-bottom: 1px solid #f0dca0; padding: 0.5rem 2rem; font-size: 0.9rem; color: #5c4a12; }
  main { max-width: 46rem; margin: 2rem auto; padding: 0 1.2rem; }
  .card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 1.6rem 1.8rem; }
  .meta { color: var(--muted); font-size: 0.9rem; margin: 0 0 0.4rem; }
  h1 { font-size: 1.25rem; margin: 0 0 1.2rem; }
  label { display: flex; gap: 0.7rem; align-items: flex-start; border: 1px solid var(--line); border-radius: 8px; padding: 0.7rem 0.9rem; margin-bottom: 0.6rem; cursor: pointer; }
  label:hover { border-color: var(--brand); }
  input { margin-top: 0.3rem; }
  .actions { display: flex; justify-content: space-between; margin-top: 1.4rem; }
  button { font: inherit; font-weight: 600; padding: 0.55rem 1.2rem; border-radius: 6px; border: 1px solid var(--line); background: #fff; color: var(--ink); }
  button.primary { background: var(--brand); border-color: var(--brand); color: #fff; }
  .progress { height: 6px; background: var(--line); border-radius: 3px; margin-top: 1.6rem; overflow: hidden; }
  .progress span { display: block; width: 17.5%; height: 100%; background: var(--brand); }
</style>
</head>
<body>
<header>
  <strong>Online assessment</strong>
  <span class="timer" aria-label="Time left">Time left 52:40</span>
</header>
<p class="demo-note">Demo page served by <code>invigil demo</code> on this PC in place of the awarding body's assessment site.</p>
<main>
  <section class="card" aria-labelledby="q">
    <p class="meta">MOT Testing (Classes 4 and 7) · Question 7 of 40</p>
    <h1 id="q">During an MOT test, which of these makes a headlamp aim a major defect?</h1>
    <form>
      <label><input type="radio" name="a" value="a"> The beam image is slightly to the left on dipped beam</label>
      <label><input type="radio" name="a" value="b"> The beam image is too high on dipped beam</label>
      <label><input type="radio" name="a" value="c"> The headlamp lens is dirty</label>
      <label><input type="radio" name="a" value="d"> The main beam warning lamp is bright</label>
      <div class="actions">
        <button type="button">Previous</button>
        <button type="button" class="primary">Next question</button>
      </div>
    </form>
    <div class="progress" aria-hidden="true"><span></span></div>
  </section>
</main>
</body>
</html>
`;
