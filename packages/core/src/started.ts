/**
 * `fn(arg)` as a promise: a promise it answers is used as it is, a plain
 * value (a team's part or policy in JavaScript) resolves it, and a
 * synchronous throw rejects it. The call paths use it instead of async
 * functions: it adds no promise to one that is already there, and passing
 * `arg` spares a closure per call.
 */
export function started<T, A = undefined>(fn: (arg: A) => T | PromiseLike<T>, arg?: A): Promise<T> {
  try {
    return Promise.resolve(fn(arg as A));
  } catch (error) {
    return Promise.reject(error);
  }
}
