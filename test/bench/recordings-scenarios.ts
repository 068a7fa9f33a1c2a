/**
 * What `npm run bench:recordings` asks getRecordings, modelled on the LMSs (reference/bbb-api.md
 * §4): Greenlight's room list, Moodle's pages of 25 IDs with state=any, bbb-app-rooms' pages of
 * 8, and operators' unfiltered and deep pages. Each request varies its IDs so the database cannot
 * answer every request from the same few cached pages.
 */
import { COURSES } from './recordings-seed';

export interface ScenarioData {
  recordIDs: string[];
  meetings: number;
}

export interface Scenario {
  name: string;
  /** The query of request n (without checksum). */
  params(n: number, d: ScenarioData): [string, string][];
}

const pick = <T>(list: T[], n: number) => list[n % list.length]!;
const meeting = (n: number, d: ScenarioData) => `meeting-${(n * 7919) % d.meetings}`;

export const SCENARIOS: Scenario[] = [
  { name: 'meetingID (1 room, ~20 recordings)', params: (n, d) => [['meetingID', meeting(n, d)]] },
  {
    name: 'meetingID CSV of 25, state=any (Moodle)',
    params: (n, d) => [['meetingID', Array.from({ length: 25 }, (_, k) => meeting(n * 25 + k, d)).join(',')], ['state', 'any']],
  },
  {
    name: 'recordID CSV of 25, state=any (Moodle)',
    params: (n, d) => [['recordID', Array.from({ length: 25 }, (_, k) => pick(d.recordIDs, n * 25 + k)).join(',')], ['state', 'any']],
  },
  { name: 'recordID 40-char prefix', params: (n, d) => [['recordID', pick(d.recordIDs, n).slice(0, 40)]] },
  { name: 'meetingID, offset/limit=8 (bbb-app-rooms)', params: (n, d) => [['meetingID', meeting(n, d)], ['offset', String((n % 3) * 8)], ['limit', '8']] },
  {
    name: 'meta AND (2 keys), limit=25',
    params: (n) => [['meta_bbb-context-id', `course-${n % COURSES}`], ['meta_bbb-origin', 'moodle'], ['limit', '25']],
  },
  { name: 'no filter, first page of 100', params: () => [['limit', '100']] },
  { name: 'no filter, deep page (offset 50,000)', params: (n) => [['offset', String(50_000 + (n % 50) * 100)], ['limit', '100']] },
];
