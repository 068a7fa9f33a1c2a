// What a node answers, decoupled from the socket so faults can rewrite it before it is written.
import type { ServerResponse } from 'node:http';

export interface SimResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const XML_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/xml;charset=utf-8',
  'Cache-Control': 'no-cache',
};

export function xmlResponse(body: string): SimResponse {
  return { status: 200, headers: { ...XML_HEADERS }, body };
}

export function htmlResponse(status: number, body: string): SimResponse {
  return { status, headers: { 'Content-Type': 'text/html;charset=utf-8' }, body };
}

export function send(res: ServerResponse, response: SimResponse): void {
  if (res.destroyed) return;
  res.writeHead(response.status, response.headers);
  res.end(response.body);
}
