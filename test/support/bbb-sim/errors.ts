/** An error with the HTTP status the control API answers with (400 bad input, 404 unknown thing). */
export class SimError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
    this.name = 'SimError';
  }
}
