import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

/** A plain-HTTP forwarding proxy on 127.0.0.1 in front of an https server, rewriting its origin in bodies (nextLinks). */
export interface LoopbackProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Every request that went through: method, path and its Authorization header (to check where tokens went). */
  requests: { method: string; path: string; authorization: string | undefined }[];
  close(): Promise<void>;
}

/**
 * Starts an http proxy on 127.0.0.1 that forwards to `target` (trusting `caCertPath`), rewriting
 * the target's origin in answers to its own unless `rewrite` is false (then nextLinks point away).
 */
export async function startLoopbackProxy(target: string, caCertPath: string, host = '127.0.0.1', rewrite = true): Promise<LoopbackProxy> {
  const ca = readFileSync(caCertPath);
  const upstream = new URL(target);
  const requests: LoopbackProxy['requests'] = [];
  let origin = '';
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', authorization: req.headers.authorization });
    const forward = https.request({ ca, host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host } }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const body = rewrite ? text.split(upstream.origin).join(origin) : text;
        const headers = { ...answer.headers };
        delete headers['content-length'];
        res.writeHead(answer.statusCode ?? 502, headers);
        res.end(body);
      });
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  origin = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
