/** Load generation: in this process, or in a child process over IPC (test/bench/loadgen-child.ts). */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { runLoad, type LoadResult } from './loadgen';
import { ROOT } from './paths';
import type { LoadJob } from './requests';

export interface LoadGenerator {
  pid: number | undefined;
  run(job: LoadJob): Promise<LoadResult>;
  stop(): Promise<void>;
}

export function inlineLoadGenerator(): LoadGenerator {
  return { pid: undefined, run: runLoad, stop: async () => {} };
}

export async function childLoadGenerator(): Promise<LoadGenerator> {
  const child: ChildProcess = fork(path.join(ROOT, 'test/bench/loadgen-child.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (r: LoadResult) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = true;
      for (const p of pending.values()) p.reject(new Error(`load generator exited (code ${code})`));
      pending.clear();
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', () => reject(new Error('load generator exited before it was ready')));
    child.on('message', (message: { ready?: boolean; id?: number; result?: LoadResult; error?: string }) => {
      if (message.ready) return resolve();
      const p = message.id === undefined ? undefined : pending.get(message.id);
      if (!p) return;
      pending.delete(message.id!);
      if (message.result) p.resolve(message.result);
      else p.reject(new Error(`load generator: ${message.error}`));
    });
  });
  return {
    pid: child.pid,
    run: (job) =>
      new Promise<LoadResult>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        child.send({ id, job });
      }),
    stop: async () => {
      if (exited) return;
      child.disconnect();
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exit;
      clearTimeout(killer);
    },
  };
}
