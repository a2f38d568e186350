import { runBff } from "@portico/core";
import { createApp, DEFAULT_PORT } from "./app.js";
import { loadWebConfig } from "./live/live-config.js";

await runBff({ name: "web-bff", defaultPort: DEFAULT_PORT, loadConfig: loadWebConfig, createApp });
