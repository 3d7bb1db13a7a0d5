import http from 'node:http';
import net, { type AddressInfo } from 'node:net';

/** An HTTPS proxy on 127.0.0.1 (HTTP CONNECT tunnels), as HTTPS_PROXY names one. */
export interface ConnectProxy {
  port: number;
  /** Every CONNECT: its target (host:port) and its Proxy-Authorization header. */
  connects: { target: string; proxyAuthorization: string | undefined }[];
  close(): Promise<void>;
}

/** Starts a CONNECT proxy on 127.0.0.1 that tunnels to any loopback target (and refuses others). */
export async function startConnectProxy(): Promise<ConnectProxy> {
  const connects: ConnectProxy['connects'] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_, res) => res.writeHead(405).end());
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const target = req.url ?? '';
    connects.push({ target, proxyAuthorization: req.headers['proxy-authorization'] });
    const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
    if (host !== '127.0.0.1' && host !== 'localhost') {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = net.connect(port, host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => (s === client ? upstream : client).destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connects,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
