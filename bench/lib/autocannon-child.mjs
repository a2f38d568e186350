// Runs autocannon in its own process (pinned by the caller) and prints its
// summary as one JSON line: the load generator when wrk is not installed.
//   node autocannon-child.mjs '{"origin":"http://…","template":"/x/{id}","ids":1000,"connections":50,…}'
import { runAutocannon } from "./autocannon-run.mjs";

const summary = await runAutocannon(JSON.parse(process.argv[2] ?? "{}"));
process.stdout.write(`${JSON.stringify(summary)}\n`);
