import * as z from 'zod';
import type { AnyOperation } from './operation.js';
import { ErrorSchema } from './schemas/common.js';

/**
 * The OpenAPI 3.1 document, generated from the operations' own zod schemas (zod's JSON Schema
 * output is 2020-12, which OpenAPI 3.1 uses as is). Schemas with a `meta({ id })` become shared
 * components; the error answer is one of them.
 */

const ERROR_TEXT: Record<number, string> = {
  400: 'Malformed JSON or a validation error (issues name the fields)',
  401: 'Missing or wrong bearer token',
  404: 'Unknown id, or the API is not configured',
  409: 'Conflict with the current state',
  412: 'Multitenancy is disabled (MULTITENANCY_ENABLED)',
  413: 'Request body too large',
  502: "A BBB server did not complete the request",
  503: 'Storage unreachable',
};

type Json = Record<string, unknown>;

export function openApiDocument(operations: readonly AnyOperation[], version: string): Json {
  // Every schema with an id, whichever operation uses it, lands in components once; request
  // (input) and answer (output) forms differ where defaults apply, so inputs get their own name.
  const components: Json = {};
  const schema = (s: z.ZodType, io: 'input' | 'output'): Json => {
    const suffix = io === 'input' ? 'Input' : '';
    const raw = JSON.stringify(z.toJSONSchema(s, { io, unrepresentable: 'any' })).replace(
      /"#\/\$defs\/([^"]+)"/g,
      (_, id: string) => `"#/components/schemas/${id}${suffix}"`,
    );
    const { $schema: _, $defs, ...rest } = JSON.parse(raw) as Json & { $defs?: Record<string, Json> };
    for (const [id, def] of Object.entries($defs ?? {})) components[id + suffix] = def;
    return rest;
  };
  const paths: Record<string, Json> = {};
  for (const op of operations) {
    const parameters = [
      ...params(op.params, 'path', (s) => schema(s, 'input')),
      ...params(op.query, 'query', (s) => schema(s, 'input')),
    ];
    const responses: Json = {
      [op.status ?? 200]: { description: 'Success', content: { 'application/json': { schema: schema(op.response, 'output') } } },
    };
    // 404 everywhere: every path answers it while ADMIN_TOKEN is unset.
    for (const status of new Set([400, 401, 404, ...(op.errors ?? []), ...(op.body ? [413] : []), 503])) {
      responses[status] = { description: ERROR_TEXT[status], content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    }
    paths[op.path] = {
      ...paths[op.path],
      [op.method]: {
        operationId: `${op.method}${op.path.replace(/[{}]/g, '').replace(/\/(\w)/g, (_, c: string) => c.toUpperCase()).replace(/\W/g, '')}`,
        tags: [op.tag],
        summary: op.summary,
        ...(op.description ? { description: op.description } : {}),
        ...(parameters.length ? { parameters } : {}),
        ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: schema(op.body, 'input') } } } } : {}),
        responses,
      },
    };
  }
  schema(ErrorSchema, 'output');
  return {
    openapi: '3.1.0',
    info: { title: 'Scaleflare admin API', version },
    servers: [{ url: '/admin/v1' }],
    security: [{ bearer: [] }],
    paths,
    components: { schemas: components, securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
  };
}

/** Each property of an object schema as one OpenAPI parameter. */
function params(s: z.ZodType | undefined, where: 'path' | 'query', toSchema: (s: z.ZodType) => Json): Json[] {
  if (!(s instanceof z.ZodObject)) return [];
  const required = new Set((toSchema(s).required as string[] | undefined) ?? []);
  return Object.entries(s.shape as Record<string, z.ZodType>).map(([name, field]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: toSchema(field),
  }));
}
