import { runBff } from "@portico/core";
import { createApp, DEFAULT_PORT } from "./app.js";

await runBff({ name: "web-bff", defaultPort: DEFAULT_PORT, createApp });
