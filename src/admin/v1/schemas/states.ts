import * as z from 'zod';

/**
 * The closed sets of values the API's schemas use, apart: the CLI checks its options against them
 * at run time, and importing only these spares each of its starts building every other schema.
 */

export const ServerState = z.enum(['enabled', 'cordoned', 'disabled']);

export const DeliveryStatus = z.enum(['pending', 'delivered', 'failed']);
