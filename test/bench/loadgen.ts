/**
 * One timed load run with autocannon: a fixed number of connections for a fixed duration,
 * redirects not followed (a 302 is an answer like any other), every answer classified.
 * Latencies are kept at full precision here (autocannon's own histogram is in whole ms).
 */
import autocannon from 'autocannon';
import { classify, newTally, pathGenerator, type LoadJob, type Tally } from './requests';

export interface LoadResult {
  route: string;
  /** Answers received (ok or not). */
  responses: number;
  /** Wall time of the run, seconds. */
  seconds: number;
  /** Every answer's latency in ms (3 decimals), for percentiles across rounds. */
  latencies: number[];
  tally: Tally;
  /** Connection errors and timeouts seen by autocannon. */
  socketErrors: number;
  timeouts: number;
}

export async function runLoad(job: LoadJob): Promise<LoadResult> {
  const next = pathGenerator(job);
  const tally = newTally();
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  const instance = autocannon({
    url: job.baseUrl,
    connections: job.connections,
    duration: job.durationSec,
    ...(job.rate ? { overallRate: job.rate } : {}),
    timeout: 10,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => {
          request.path = next();
          return request;
        },
        onResponse: (status, body, _context, headers) => {
          const location = headers.location ?? headers.Location;
          classify(job.route, status, body, Array.isArray(location) ? location[0] : location, tally);
        },
      },
    ],
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    latencies.push(Math.round(responseTime * 1000) / 1000);
  });
  const result = await instance;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    route: job.route,
    responses: latencies.length,
    seconds: result.duration > 0 ? result.duration : seconds,
    latencies,
    tally,
    socketErrors: result.errors - result.timeouts,
    timeouts: result.timeouts,
  };
}
