import net from 'node:net';
import tls from 'node:tls';

/**
 * Opens the TCP (or TLS, for https) socket of one connection, reading into the caller's buffers
 * (`onread`: no copy per read), with Nagle off (a request is one small write that must go now).
 */
export function connectSocket(target: URL, ca: string | Buffer | undefined, onread: net.OnReadOpts): net.Socket {
  const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const socket =
    target.protocol === 'https:'
      ? tls.connect(
          tlsOptions(
            {
              host,
              port,
              servername: net.isIP(host) ? undefined : host,
              ALPNProtocols: ['http/1.1'],
              ca,
            },
            onread,
          ),
        )
      : net.connect({ host, port, onread });
  socket.setNoDelay(true);
  return socket;
}

/** tls.connect takes `onread` as net.connect does (Node docs), but @types/node leaves it out. */
function tlsOptions(options: tls.ConnectionOptions, onread: net.OnReadOpts): tls.ConnectionOptions {
  return Object.assign(options, { onread });
}
