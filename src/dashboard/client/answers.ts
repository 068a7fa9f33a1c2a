import type * as z from 'zod';
import type { ServerSchema, DrainProgressSchema } from '../../admin/v1/schemas/servers.js';
import type { MeetingRow, Overview as OverviewSchema, ServerHistory as ServerHistorySchema } from '../../admin/v1/schemas/reports.js';
import type { TenantList as TenantListSchema } from '../../admin/v1/schemas/tenants.js';

/** The admin API's answers the dashboard reads, typed from the API's own schemas (types only: no zod reaches the browser). */

export type Overview = z.output<typeof OverviewSchema>;
export type Server = z.output<typeof ServerSchema>;
export type ServerState = Server['state'];
export type Meeting = z.output<typeof MeetingRow>;
export type ServerHistory = z.output<typeof ServerHistorySchema>;
export type TenantList = z.output<typeof TenantListSchema>;
export type Tenant = TenantList['tenants'][number];
export type DrainProgress = z.output<typeof DrainProgressSchema>;
