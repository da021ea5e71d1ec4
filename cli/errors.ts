/** Exit codes: 0 all good, 1 a check failed, 2 invalid input, 3 an internal error (a bug in rollcall). */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_INVALID = 2;
export const EXIT_INTERNAL = 3;

/** Bad input from the user: printed as it is, exit 2, never a stack trace. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}
