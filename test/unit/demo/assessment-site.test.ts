/**
 * The demo's stand-in assessment page: served over real TLS with a certificate the machine's openssl
 * made for the awarding body's host names, whose key hash is what the demo browser is told to trust.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ASSESSMENT_HOSTS, type AssessmentSite, startAssessmentSite } from '../../../demo/assessment-site.ts';

const dir = mkdtempSync(join(tmpdir(), 'invigil-site-test-'));
let site: AssessmentSite;
beforeAll(async () => {
  site = await startAssessmentSite(dir);
});
afterAll(async () => {
  await site?.close();
  rmSync(dir, { recursive: true, force: true });
});

function get(host: string, path: string) {
  return new Promise<{ status: number; body: string; spki: string }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: site.port,
        path,
        servername: host,
        headers: { host },
        // Trust exactly the demo certificate; the host name is still checked against it.
        ca: readFileSync(join(dir, 'assessment-cert.pem')),
      },
      (res) => {
        const peer = (res.socket as TLSSocket).getPeerCertificate();
        const spki = new X509Certificate(peer.raw).publicKey.export({ type: 'spki', format: 'der' });
        let body = '';
        res.on('data', (d: Buffer) => {
          body += d.toString();
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body,
            spki: createHash('sha256').update(spki).digest('base64'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('the assessment page answers over TLS for the awarding body host names, with the key the browser trusts', async () => {
  for (const host of ASSESSMENT_HOSTS) {
    const r = await get(host, '/awarding');
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>Online assessment (demo)</title>');
    expect(r.body).toContain('in place of the awarding body');
    expect(r.spki).toBe(site.spkiHash);
  }
  expect(site.requests).toBe(2);
});

test('the certificate is not valid for any other host name', async () => {
  await expect(get('www.google.com', '/')).rejects.toThrow(/altnames|does not match|Hostname/i);
});
