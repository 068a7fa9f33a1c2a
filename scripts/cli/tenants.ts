import type { Secrets, Tenant, TenantList } from './api-types.js';
import { secretValue, str, type Command, type Invocation } from './command.js';
import { isObject, readDocument } from './document.js';
import { CliError, usageError } from './errors.js';
import { print, table } from './output.js';
import { apiPath, findTenant } from './resolve.js';

/** `scaleflare tenants …` and `tenants secrets …` (rotation: add the new, switch the LMS, remove the old). */

const tenantRows = (tenants: Tenant[]) =>
  table(
    ['ID', 'NAME', 'ENABLED', 'SECRETS', 'SETTINGS'],
    tenants.map((t) => [t.id, t.name, t.enabled, t.secrets.map((s) => s.fingerprint).join(','), Object.keys(t.settings).join(',')]),
  );

const printTenant = (inv: Invocation, t: Tenant) => print(inv.out, t, () => tenantRows([t]));
const secretRows = (s: Secrets) => table(['FINGERPRINT'], s.secrets.map((x) => [x.fingerprint]));

/** `--settings` is a JSON or YAML file (or `-`); the object replaces the tenant's settings whole. */
async function settingsOf(inv: Invocation): Promise<Record<string, unknown> | undefined> {
  const file = str(inv.values, 'settings');
  if (file === undefined) return undefined;
  const value = await readDocument(inv, file);
  if (!isObject(value)) throw new CliError(`${file}: the settings must be an object`);
  return value;
}

/** `--enable` / `--disable`, never both. */
function enabledOf(inv: Invocation): boolean | undefined {
  const { enable, disable } = inv.values;
  if (enable && disable) throw usageError('Use --enable or --disable, not both');
  return enable ? true : disable ? false : undefined;
}

/** A `tenants secrets …` command: find the tenant, make the call, print the secrets it answers. */
const secretsCommand = (c: Omit<Command, 'run'>, call: (inv: Invocation, t: Tenant) => Promise<Secrets>): Command => ({
  ...c,
  run: async (inv) => {
    const s = await call(inv, await findTenant(inv.client, inv.args[0]!));
    print(inv.out, s, () => secretRows(s));
  },
});

export const tenantCommands: Command[] = [
  {
    words: ['tenants', 'list'],
    usage: '',
    summary: 'Every tenant with its secrets as fingerprints',
    args: [0, 0],
    run: async (inv) => {
      const answer = await inv.client.call<TenantList>('GET', '/tenants');
      print(inv.out, answer, () => tenantRows(answer.tenants));
    },
  },
  {
    words: ['tenants', 'add'],
    usage: '<name> --secret <secret|-> [--secret <secret>…] [--disable] [--settings <file.json|yaml>]',
    summary: 'Add a tenant with at least one secret',
    options: { secret: { type: 'string', multiple: true }, disable: { type: 'boolean' }, settings: { type: 'string' } },
    args: [1, 1],
    run: async (inv) => {
      const given = (inv.values.secret as string[] | undefined) ?? [];
      if (given.length === 0) throw usageError('tenants add needs at least one --secret');
      const secrets = await Promise.all(given.map((s) => secretValue(inv, s)));
      const settings = await settingsOf(inv);
      const body = { name: inv.args[0], secrets, enabled: inv.values.disable !== true, ...(settings ? { settings } : {}) };
      printTenant(inv, await inv.client.call<Tenant>('POST', '/tenants', body));
    },
  },
  {
    words: ['tenants', 'update'],
    usage: '<id|name> [--name <new name>] [--enable|--disable] [--settings <file.json|yaml>]',
    summary: 'Rename, enable or disable a tenant, or replace its settings',
    options: { name: { type: 'string' }, enable: { type: 'boolean' }, disable: { type: 'boolean' }, settings: { type: 'string' } },
    args: [1, 1],
    run: async (inv) => {
      const name = str(inv.values, 'name');
      const enabled = enabledOf(inv);
      const settings = await settingsOf(inv);
      const patch = { ...(name !== undefined ? { name } : {}), ...(enabled !== undefined ? { enabled } : {}), ...(settings ? { settings } : {}) };
      if (Object.keys(patch).length === 0) throw usageError('tenants update needs at least one of --name, --enable, --disable, --settings');
      const t = await findTenant(inv.client, inv.args[0]!);
      printTenant(inv, await inv.client.call<Tenant>('PATCH', apiPath('tenants', t.id), patch));
    },
  },
  {
    words: ['tenants', 'remove'],
    usage: '<id|name>',
    summary: 'Delete a tenant that has no recordings, meeting history or callbacks left',
    args: [1, 1],
    run: async (inv) => {
      const t = await findTenant(inv.client, inv.args[0]!);
      await inv.client.call('DELETE', apiPath('tenants', t.id));
      print(inv.out, { ok: true, id: t.id }, () => `Removed tenant ${t.name} (${t.id})\n`);
    },
  },
  secretsCommand(
    { words: ['tenants', 'secrets', 'list'], usage: '<tenant id|name>', summary: "The tenant's secrets as fingerprints, oldest first", args: [1, 1] },
    async (_, t) => ({ secrets: t.secrets }),
  ),
  secretsCommand(
    { words: ['tenants', 'secrets', 'add'], usage: '<tenant id|name> <secret|->', summary: 'Add a secret (both the old and the new one now sign)', args: [2, 2] },
    async (inv, t) => inv.client.call<Secrets>('POST', apiPath('tenants', t.id, 'secrets'), { secret: await secretValue(inv, inv.args[1]!) }),
  ),
  secretsCommand(
    { words: ['tenants', 'secrets', 'remove'], usage: '<tenant id|name> <fingerprint>', summary: 'Remove the secret with this fingerprint (never the last one)', args: [2, 2] },
    (inv, t) => inv.client.call<Secrets>('DELETE', apiPath('tenants', t.id, 'secrets', inv.args[1]!)),
  ),
];
