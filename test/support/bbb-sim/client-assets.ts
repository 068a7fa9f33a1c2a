// What the cluster proxy reaches on a node besides the join page: client assets (an echo of the
// request, a large streamed file, a cookie, a redirect) and the client's WebSocket, as an echo.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';

const MAX_ASSET_BYTES = 64 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'x');

/** The client's path without a cluster proxy basename (`/bbb-01/html5client/x` → `/html5client/x`). */
export function clientPath(path: string): string {
  return path.replace(/^\/[^/]+(?=\/html5client\/)/, '');
}

/** Answers `[/<basename>]/html5client/<asset>`; false when the path is not one of them. */
export async function serveAsset(req: IncomingMessage, res: ServerResponse, path: string, rawQuery: string): Promise<boolean> {
  const query = new URLSearchParams(rawQuery);
  // As nginx's $host: the node answers for the name it was reached by.
  const host = req.headers.host ?? 'localhost';
  switch (clientPath(path)) {
    case '/html5client/echo': {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Sim-Asset': 'echo' });
      res.end(JSON.stringify({ method: req.method, path, query: rawQuery, headers: req.headers, body }));
      return true;
    }
    case '/html5client/big.bin': {
      // Written in chunks, with its length, so a proxy has to stream it.
      const bytes = Math.min(Number(query.get('bytes') ?? 1024 * 1024) || 0, MAX_ASSET_BYTES);
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes) });
      for (let left = bytes; left > 0; left -= CHUNK.length) {
        if (!res.write(CHUNK.subarray(0, Math.min(left, CHUNK.length)))) await new Promise((r) => res.once('drain', r));
      }
      res.end();
      return true;
    }
    case '/html5client/cookie':
      res.writeHead(200, { 'Set-Cookie': `sim=1; Domain=${host.replace(/:\d+$/, '')}; Path=/html5client; HttpOnly` });
      res.end('cookie set');
      return true;
    case '/html5client/redirect':
      res.writeHead(302, { Location: `http://${host}${path.replace(/redirect$/, 'join')}` });
      res.end();
      return true;
    default:
      return false;
  }
}

const echo = new WebSocketServer({ noServer: true });
// `close-me` makes the node close with 4000, to see a close travel back through a proxy.
echo.on('connection', (ws) =>
  ws.on('message', (data, binary) => (!binary && String(data) === 'close-me' ? ws.close(4000, 'closed by node') : ws.send(data, { binary }))),
);

/** `/html5client/websocket` upgrades to an echo; any other upgrade is refused. */
export function upgradeToEcho(req: IncomingMessage, socket: Duplex, head: Buffer): void {
  if (clientPath(req.url?.split('?')[0] ?? '') !== '/html5client/websocket') {
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
    return;
  }
  echo.handleUpgrade(req, socket, head, (ws) => echo.emit('connection', ws, req));
}
