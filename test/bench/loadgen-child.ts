/**
 * The load generator as a child process (`npm run bench -- --loadgen child`, the default): it
 * takes jobs over IPC, runs them, and answers with the result. It exits with its parent.
 */
import { runLoad } from './loadgen';
import type { LoadJob } from './requests';

interface JobMessage {
  id: number;
  job: LoadJob;
}

if (!process.send) throw new Error('loadgen-child.ts runs only as a child process with an IPC channel');

process.on('message', (message: JobMessage) => {
  runLoad(message.job).then(
    (result) => process.send?.({ id: message.id, result }),
    (error: Error) => process.send?.({ id: message.id, error: error.stack ?? error.message }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
