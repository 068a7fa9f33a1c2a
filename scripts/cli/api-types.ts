import type * as z from 'zod'
import type { DeliveryList, DeliverySchema, RetryReport } from '../../src/admin/v1/schemas/callbacks.js'
import type { MeetingInfo, MeetingList, MeetingSchema } from '../../src/admin/v1/schemas/meetings.js'
import type { RecordingPage as RecordingPageSchema, ReindexReport as ReindexReportSchema } from '../../src/admin/v1/schemas/recordings.js'
import type { Usage as UsageSchema, UsageDaySchema } from '../../src/admin/v1/schemas/reports.js'
import type {
  DrainProgressSchema,
  InFlight as InFlightSchema,
  PanicReport as PanicReportSchema,
  PollReportSchema,
  ProxySettingsSchema,
  RecordingsInFlight as RecordingsInFlightSchema,
  RecordingTransferReport,
  SecretRotationStarted as SecretRotationStartedSchema,
  ServerList as ServerListSchema,
  ServerSchema,
} from '../../src/admin/v1/schemas/servers.js'
import { DeliveryStatus as DeliveryStatusSchema, ServerState as ServerStateSchema } from '../../src/admin/v1/schemas/states.js'
import type { SettingsSchema } from '../../src/admin/v1/schemas/settings.js'
import type { SecretsSchema, TenantList as TenantListSchema, TenantSchema } from '../../src/admin/v1/schemas/tenants.js'
import type { ConfigDocument as ConfigDocumentSchema, ImportAction as ImportActionSchema, Plan } from '../../src/admin/v1/schemas/transfer.js'

/**
 * The admin API's answers as the CLI reads them: the API's own schemas (src/admin/v1/schemas/,
 * zod and src/ids.ts only, so nothing of the Worker comes along), as their JSON output.
 */

export type ServerState = z.output<typeof ServerStateSchema>
export const SERVER_STATES = ServerStateSchema.options
export type Server = z.output<typeof ServerSchema>
export type ServerList = z.output<typeof ServerListSchema>
export type InFlight = z.output<typeof InFlightSchema>
export type RecordingsInFlight = z.output<typeof RecordingsInFlightSchema>
export type RecordingsMoved = z.output<typeof RecordingTransferReport>
export type PanicReport = z.output<typeof PanicReportSchema>
export type PollReport = z.output<typeof PollReportSchema>
export type ProxySettings = z.output<typeof ProxySettingsSchema>
export type SecretRotationStarted = z.output<typeof SecretRotationStartedSchema>
export type DrainProgress = z.output<typeof DrainProgressSchema>

export type Secrets = z.output<typeof SecretsSchema>
export type Tenant = z.output<typeof TenantSchema>
export type TenantList = z.output<typeof TenantListSchema>
export type Settings = z.output<typeof SettingsSchema>

export type Meeting = z.output<typeof MeetingSchema>
export type Meetings = z.output<typeof MeetingList>
export type MeetingDetails = z.output<typeof MeetingInfo>

export type RecordingPage = z.output<typeof RecordingPageSchema>
export type ReindexReport = z.output<typeof ReindexReportSchema>

export type DeliveryStatus = z.output<typeof DeliveryStatusSchema>
export const DELIVERY_STATUSES = DeliveryStatusSchema.options
export type CallbackDelivery = z.output<typeof DeliverySchema>
export type Deliveries = z.output<typeof DeliveryList>
export type Retrying = z.output<typeof RetryReport>

export type ImportAction = z.output<typeof ImportActionSchema>
export type ImportPlan = z.output<typeof Plan>
/** The configuration document as the CLI sends it to POST /config/import (defaults left to the API). */
type ConfigInput = z.input<typeof ConfigDocumentSchema>
export type ConfigDocument = ConfigInput & Required<Pick<ConfigInput, 'servers' | 'tenants'>>

export type UsageDay = z.output<typeof UsageDaySchema>
export type Usage = z.output<typeof UsageSchema>
