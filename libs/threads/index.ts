export { scriptWorker } from './scriptWorker';
