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

/** Grails' answer to a method UrlMappings does not map for the call. */
export function methodNotAllowed(methods: readonly string[]): SimResponse {
  const response = htmlResponse(405, '<html><body><h1>HTTP Status 405 – Method Not Allowed</h1></body></html>');
  return { ...response, headers: { ...response.headers, Allow: methods.join(', ') } };
}

export function send(res: ServerResponse, response: SimResponse): void {
  if (res.destroyed) return;
  res.writeHead(response.status, response.headers);
  res.end(response.body);
}

/** bbb-web's JsonBuilder.toPrettyString answers (enter, stuns, getJoinUrl, …). */
export function jsonResponse(body: unknown): SimResponse {
  return { status: 200, headers: { 'Content-Type': 'application/json;charset=utf-8', 'Cache-Control': 'no-cache' }, body: JSON.stringify(body, null, 2) };
}
