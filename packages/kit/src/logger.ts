import { pino, type Logger } from "pino";

export type { Logger };

/**
 * JSON logs (one object per line) for every service. Secrets and personal data never reach a log line:
 * pino removes these paths before serialising, wherever a caller put them.
 */
export function createLogger(service: string, level: string): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        'req.headers["x-internal-token"]',
        "*.password",
        "*.passwordHash",
        "*.token",
        "*.email",
        "variables",
      ],
      censor: "[redacted]",
    },
  });
}
