export { openStream, backlog, type OpenStream, type StreamSettings, type PartitionState } from './stream.nats.js';
export { createPublisher, type Publisher, type Queued } from './stream.publisher.js';
export { createWorker, type WorkerOptions } from './stream.worker.js';
export type { Refusal } from './stream.contract.js';
