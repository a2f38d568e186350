// Entry point: env → servers → ready line; closes everything on SIGTERM/SIGINT.
import { startFromEnv } from "./start-from-env.js";

const demo = await startFromEnv(process.env, { stdout: process.stdout, stderr: process.stderr });
if (!demo) process.exit(1);

let stopping = false;
const stop = () => {
  // A second signal means "now": don't wait for a close that seems stuck.
  if (stopping) process.exit(0);
  stopping = true;
  const force = setTimeout(() => process.exit(0), 5000);
  force.unref();
  void demo.close().finally(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
