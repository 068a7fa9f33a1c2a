import { app } from './app.js';
import { scheduled } from '../scheduled/index.js';

export default {
  fetch: app.fetch,
  scheduled,
} satisfies ExportedHandler<object>;
