/** The bench's progress lines, time-stamped. */
export const log = (message: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
