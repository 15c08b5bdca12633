/**
 * Structured JSON logs (pino). Log lines name routes, ids and codes, never customer data, request
 * bodies or query strings: redact catches the usual suspects if one slips into an object.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'tajir'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'authorization', '*.authorization', 'phone', '*.phone', 'email', '*.email'],
      censor: '[redacted]',
    },
  });
}
