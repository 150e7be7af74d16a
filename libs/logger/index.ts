export { createLogger } from './logger';
export type { Logger } from './logger';
export { tapLogLines } from './logTap';
export { redactValue, redactText } from './redaction';
