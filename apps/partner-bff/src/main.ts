import { runBff } from "@portico/core";
import { createApp, DEFAULT_PORT } from "./app.js";
import { loadPartnerConfig } from "./config.js";

await runBff({ name: "partner-bff", defaultPort: DEFAULT_PORT, loadConfig: loadPartnerConfig, createApp });
