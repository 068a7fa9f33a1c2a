/** The key /__bench/redis1 reads; the bench writes it before the run. */
export const CEILING_KEY = 'bench:ceiling';
