/**
 * The logging surface this library needs. A pino `Logger` satisfies it structurally, so services pass
 * their own (child) logger and this package never creates one.
 */
export interface LogSink {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
