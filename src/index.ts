import { app } from './app.js';
import { scheduled } from '../scheduled/index.js';

export { PollShard } from '../scheduled/poll-shard.js';

export default {
  fetch: app.fetch,
  scheduled,
} satisfies ExportedHandler<object>;
