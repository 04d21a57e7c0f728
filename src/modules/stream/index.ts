export { openStream, backlog, type OpenStream, type StreamSettings } from './stream.nats.js';
export { createPublisher, type Publisher, type Queued, type Refusal } from './stream.publisher.js';
export { createWorker } from './stream.worker.js';
