import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger };

/**
 * JSON logs (one object per line) for every service. Secrets and personal data never reach a log line:
 * pino removes these paths before serialising, wherever a caller put them.
 */
export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  const options = {
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
  };
  // Asynchronous writes to stdout: a log line per request must not block the event loop on the pipe.
  // pino flushes what is buffered when the process exits.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}
