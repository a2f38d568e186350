// The child processes a benchmark script starts: every one is stopped by
// its own PID when the script ends, however it ends (exit, Ctrl-C, SIGTERM).

/** `children`: push started ones there; they get SIGTERM from `stopAll`, called when this process ends. */
export function stopChildrenOnExit() {
  const children = [];
  const stopAll = () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  };
  process.on("exit", stopAll);
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => {
      stopAll();
      process.exit(130);
    });
  }
  return { children, stopAll };
}
