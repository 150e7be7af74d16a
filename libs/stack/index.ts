export { StackManager, formatStatus, COMPONENTS } from './stackManager';
export type { ComponentName, ComponentStatus } from './stackManager';
export { StackError } from './stackError';
export { KAFKA_VERSION, APICURIO_VERSION } from './versions';
