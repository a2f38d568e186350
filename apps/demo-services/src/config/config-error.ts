/** A bad environment value; its message is the one line printed at start-up. */
export class ConfigError extends Error {
  readonly code = "DEMO_ERR_CONFIG";
  /** The environment variable at fault. */
  readonly variable: string;

  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = "ConfigError";
    this.variable = variable;
  }
}
