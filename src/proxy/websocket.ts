/**
 * Joins the browser's WebSocket to the node's: every message passes through unchanged, and when
 * either side closes or fails, the other is closed too, so neither is left half open.
 */

/** Close codes that may be sent (1005, 1006 and 1015 only describe a close, RFC 6455 §7.4.1). */
const sendable = (code: number) => code === 1000 || (code >= 3000 && code <= 4999) || (code >= 1001 && code <= 1014 && code !== 1005 && code !== 1006);

function forward(from: WebSocket, to: WebSocket): void {
  from.addEventListener('message', (e) => {
    try {
      to.send(e.data);
    } catch {
      // The other side is already closing; its close event ends this one.
    }
  });
  from.addEventListener('close', (e) => closeQuietly(to, sendable(e.code) ? e.code : 1000, e.reason));
  from.addEventListener('error', () => closeQuietly(to, 1011, 'peer failed'));
}

function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // Already closed.
  }
}

/** Accepts both ends and returns the socket to hand to the browser in the 101 response. */
export function bridge(node: WebSocket): WebSocket {
  const { 0: browser, 1: ours } = new WebSocketPair();
  // Binary frames as ArrayBuffers, which send() takes back as binary (a Blob would be sent as text).
  for (const ws of [ours, node]) {
    ws.binaryType = 'arraybuffer';
    ws.accept();
  }
  forward(ours, node);
  forward(node, ours);
  return browser;
}
