import net, { type AddressInfo } from 'node:net';
import type { Cleanups } from './cleanups';

/**
 * A raw TCP server on 127.0.0.1 for HTTP client tests: `onRequest` gets the socket each time a
 * request head has arrived (the n-th request over all connections), and answers however it likes.
 */
export async function rawHttpServer(cleanups: Cleanups, onRequest: (socket: net.Socket, n: number) => void) {
  let connections = 0;
  let requests = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    connections += 1;
    let head = '';
    socket.on('data', (data) => {
      head += data.toString('latin1');
      while (head.includes('\r\n\r\n')) {
        head = head.slice(head.indexOf('\r\n\r\n') + 4);
        requests += 1;
        onRequest(socket, requests);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  cleanups.push(() => sockets.forEach((s) => s.destroy()));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/f`, requests: () => requests, connections: () => connections };
}
