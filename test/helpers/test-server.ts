/**
 * A local web server that stands in for real sites: Chromium maps real-looking host names to it
 * (--host-resolver-rules), and it answers by the Host header.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse, host: string) => boolean;

export interface TestServer {
  server: Server;
  port: number;
  /** host:port to give to --host-resolver-rules. */
  target: string;
  requests: { host: string; url: string }[];
  close(): Promise<void>;
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;
}

/** Serves a page for any host, naming the host, plus /frame?src=..., /download and any custom handler. */
export async function startTestServer(handler?: Handler): Promise<TestServer> {
  const requests: { host: string; url: string }[] = [];
  const server = createServer((req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    requests.push({ host, url: req.url ?? '/' });
    if (handler?.(req, res, host) === true) return;
    const url = new URL(req.url ?? '/', `http://${host}`);
    if (url.pathname === '/download') {
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-disposition': 'attachment; filename="answers.bin"',
      });
      res.end(Buffer.alloc(256 * 1024, 7));
      return;
    }
    if (url.pathname === '/frame') {
      const src = url.searchParams.get('src') ?? '';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        page(
          `frame host ${host}`,
          `<h1 id="host">${host}</h1><iframe id="f" src="${src}" width="600" height="300"></iframe>`,
        ),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      page(
        `site ${host}`,
        `<h1 id="host">${host}</h1><p>path ${url.pathname}</p><a id="dl" href="/download">download</a>`,
      ),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    target: `127.0.0.1:${port}`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
