import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { AppError } from '../../platform/errors.js';

/**
 * The JetStream side of scaled-out ingestion.
 *
 * One work-queue stream holds the accepted events, one message each, under
 * `<stream>.<program id>.<partition>.<event key>`: a message is removed once a worker acknowledges it, so
 * what the stream holds is exactly what waits. Each partition has a durable pull consumer that one worker
 * at a time reads (it holds the partition's lease), so one member's events are applied in the order they
 * were accepted. Refusals are kept in a KV bucket for whoever asks later.
 */
export interface StreamSettings {
  url: string;
  /** Stream name; also the first token of its subjects and the prefix of its KV buckets. */
  stream: string;
  partitions: number;
}

/** How often a worker renews its leases (and tells JetStream it is still working on a long batch). */
export const HEARTBEAT_MS = 1_000;
/** How long a delivered, unacknowledged message waits before JetStream delivers it again. */
export const ACK_WAIT_MS = 4_000;
/** How long a pull request of a worker stays open when its partition has nothing more. */
export const FETCH_EXPIRES_MS = 1_000;
/**
 * How long a lease outlives its last renewal. Longer than a fetch plus the ack wait plus a heartbeat, so that
 * when a dead worker's lease runs out, every message it had been handed is already due for redelivery, and
 * JetStream hands those out before anything newer: the next holder keeps each member's order.
 */
export const LEASE_MS = FETCH_EXPIRES_MS + ACK_WAIT_MS + HEARTBEAT_MS + 2_000;
/** A client's retry within this window is stored once (the message id); after it, the ledger's event id still dedupes. */
export const DUPLICATE_WINDOW_MS = 2 * 60 * 1000;
/** How long a worker's refusal stays answerable by `GET /v1/events/{id}`. */
export const REFUSAL_TTL_MS = 7 * 24 * 3600 * 1000;
/** Messages a partition may have delivered and unacknowledged: bounds what a worker holds at once. */
const MAX_ACK_PENDING = 20_000;

export interface OpenStream {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  settings: StreamSettings;
  /** Refusals of workers, by `eventKey`. */
  refusals: KV;
  /** Partition leases (`partition.<n>` → worker id) and live workers (`worker.<id>`); only workers open it. */
  leases?: KV;
  close(): Promise<void>;
}

/** An event id is free text: encoded to stand as one subject token and in the message id. */
export const eventKey = (programId: string, eventId: string) => `${programId}.${Buffer.from(eventId, 'utf8').toString('base64url')}`;
/** `partition` '*' matches the event's message whatever its partition. */
export const subjectOf = (s: StreamSettings, programId: string, partition: number | '*', eventId: string) =>
  `${s.stream}.${programId}.${partition}.${Buffer.from(eventId, 'utf8').toString('base64url')}`;
export const consumerOf = (partition: number) => `p${partition}`;
const filterOf = (s: StreamSettings, partition: number) => `${s.stream}.*.${partition}.*`;

/** A stable partition for a key (FNV-1a over its UTF-16 code units). */
export function partitionOf(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitions;
}

async function bucket(kvm: Kvm, name: string, ttl: number): Promise<KV> {
  try {
    return await kvm.create(name, { ttl, history: 1 });
  } catch {
    return kvm.open(name);
  }
}

/** The stream's description records its number of partitions, so that a process configured otherwise notices. */
const describePartitions = (n: number) => `Patron events in ${n} partitions`;

async function ensureStream(jsm: JetStreamManager, s: StreamSettings) {
  const existing = await jsm.streams.info(s.stream).catch(() => null);
  if (existing) {
    if (existing.config.retention !== RetentionPolicy.Workqueue) {
      throw new AppError('conflict', 'stream.incompatible', `The JetStream stream ${s.stream} exists but is not a work queue: drain and delete it, or pick another PATRON_STREAM`);
    }
    const recorded = Number(/ in (\d+) partitions$/.exec(existing.config.description ?? '')?.[1] ?? s.partitions);
    if (recorded === s.partitions) return;
    // Events already queued stay in the partitions they were given: the number changes only on an empty stream.
    if (existing.state.messages > 0) {
      throw new AppError(
        'conflict',
        'stream.partitions_mismatch',
        `The stream ${s.stream} has ${recorded} partitions and ${existing.state.messages} events waiting, but PATRON_PARTITIONS is ${s.partitions}: every process must use the same number (change it only once the stream is empty)`,
      );
    }
    await jsm.streams.update(s.stream, { description: describePartitions(s.partitions) });
    return;
  }
  await jsm.streams
    .add({
      name: s.stream,
      description: describePartitions(s.partitions),
      subjects: [`${s.stream}.>`],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    })
    .catch(async (e: unknown) => {
      // Another process made it first.
      if (!(await jsm.streams.info(s.stream).catch(() => null))) throw e;
    });
}

/** The durable consumer of each partition, made or brought to the settings above. */
async function ensureConsumers(jsm: JetStreamManager, s: StreamSettings) {
  for (let p = 0; p < s.partitions; p++) {
    const config: Partial<ConsumerConfig> = {
      durable_name: consumerOf(p),
      filter_subject: filterOf(s, p),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(ACK_WAIT_MS),
      max_ack_pending: MAX_ACK_PENDING,
    };
    const info = await jsm.consumers.info(s.stream, consumerOf(p)).catch(() => null);
    if (!info) {
      await jsm.consumers.add(s.stream, config).catch(async (e: unknown) => {
        if (!(await jsm.consumers.info(s.stream, consumerOf(p)).catch(() => null))) throw e;
      });
    } else if (info.config.ack_wait !== config.ack_wait || info.config.max_ack_pending !== MAX_ACK_PENDING) {
      await jsm.consumers.update(s.stream, consumerOf(p), { ack_wait: config.ack_wait, max_ack_pending: MAX_ACK_PENDING });
    }
  }
}

/**
 * Connects, and makes the stream and the refusals bucket if they are not there yet; `role: 'worker'` also
 * makes the partitions' consumers, and workers and `admin` (status) open the leases bucket; `admin` makes no
 * stream. NATS being away is a clear error.
 */
export async function openStream(settings: StreamSettings, role: 'api' | 'worker' | 'admin'): Promise<OpenStream> {
  let nc: NatsConnection;
  try {
    // A server and a worker outlive any outage of NATS: they reconnect for as long as it takes. A command
    // (`patron stream status`) gives up as usual.
    nc = await connect({
      servers: settings.url,
      name: `patron-${role}`,
      ...(role === 'admin' ? {} : { maxReconnectAttempts: -1, reconnectTimeWait: 1_000 }),
    });
  } catch (e) {
    throw new AppError('invalid', 'nats.unavailable', `Cannot reach NATS at ${settings.url}: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    const jsm = await jetstreamManager(nc).catch((e: unknown) => {
      throw new AppError('invalid', 'nats.no_jetstream', `NATS at ${settings.url} has no JetStream (start nats-server with -js): ${e instanceof Error ? e.message : String(e)}`);
    });
    if (role === 'admin' && !(await jsm.streams.info(settings.stream).catch(() => null))) {
      throw new AppError('not_found', 'stream.not_found', `No stream ${settings.stream} at ${settings.url} yet: \`patron serve --ingest=nats\` or \`patron worker\` makes it`);
    }
    await ensureStream(jsm, settings);
    if (role === 'worker') await ensureConsumers(jsm, settings);
    const kvm = new Kvm(nc);
    const refusals = await bucket(kvm, `${settings.stream}_status`, REFUSAL_TTL_MS);
    const leases = role === 'api' ? undefined : await bucket(kvm, `${settings.stream}_leases`, LEASE_MS);
    return { nc, js: jetstream(nc), jsm, settings, refusals, leases, close: () => nc.drain() };
  } catch (e) {
    await nc.close();
    throw e;
  }
}

/**
 * Whether a message still in the stream was acknowledged all the same: after a crash of the NATS server a
 * work queue can keep a message its consumer had recorded as acknowledged (at or below its ack floor).
 */
export async function acknowledged(s: OpenStream, subject: string, seq: number): Promise<boolean> {
  const partition = Number(subject.split('.')[2]);
  if (!Number.isInteger(partition)) return false;
  const info = await s.jsm.consumers.info(s.settings.stream, consumerOf(partition)).catch(() => null);
  return info !== null && seq <= info.ack_floor.stream_seq;
}

export interface PartitionState {
  partition: number;
  /** Not yet delivered to a worker. */
  pending: number;
  /** Delivered to a worker and not yet acknowledged (being applied, or due for redelivery). */
  unacknowledged: number;
  /** The worker holding the partition's lease, if any. */
  worker: string | null;
}

/** What waits in the stream, per partition, and the live workers. */
export async function backlog(s: OpenStream): Promise<{ waiting: number; partitions: PartitionState[]; workers: string[] }> {
  const { waiting, partitions: counts } = await unapplied(s);
  const partitions: PartitionState[] = [];
  for (const c of counts) {
    const lease = s.leases ? await s.leases.get(`partition.${c.partition}`) : null;
    partitions.push({ ...c, worker: lease && lease.operation === 'PUT' ? lease.string() : null });
  }
  const workers: string[] = [];
  if (s.leases) for await (const k of await s.leases.keys('worker.*')) workers.push(k.slice('worker.'.length));
  return { waiting, partitions, workers };
}

/**
 * What the workers have still to apply: per partition, what its consumer has not delivered yet plus what it
 * delivered and nobody acknowledged. Not the stream's message count: after a crash of the NATS server the
 * stream can keep messages whose acknowledgement it recorded but whose removal it had not, and those wait
 * for nobody. Before any worker made the consumers, nothing was acknowledged: every message waits.
 */
export async function unapplied(s: OpenStream): Promise<{ waiting: number; partitions: Omit<PartitionState, 'worker'>[] }> {
  const partitions: Omit<PartitionState, 'worker'>[] = [];
  let missing = false;
  for (let p = 0; p < s.settings.partitions; p++) {
    const c = await s.jsm.consumers.info(s.settings.stream, consumerOf(p)).catch(() => null);
    if (!c) missing = true;
    partitions.push({ partition: p, pending: c?.num_pending ?? 0, unacknowledged: c?.num_ack_pending ?? 0 });
  }
  const waiting = missing
    ? (await s.jsm.streams.info(s.settings.stream)).state.messages
    : partitions.reduce((n, c) => n + c.pending + c.unacknowledged, 0);
  return { waiting, partitions };
}
