import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';

/**
 * The JetStream side of scaled-out ingestion. One stream holds accepted events under
 * `<stream>.<program id>.<partition>`; each partition has a durable pull consumer that one worker at a time
 * reads (its lease), so one member's events are applied in the order they were accepted.
 */
export interface StreamSettings {
  url: string;
  /** Stream name; also the first token of its subjects and the prefix of its KV buckets. */
  stream: string;
  partitions: number;
}

export const LEASE_MS = 6_000;
export const HEARTBEAT_MS = 2_000;
/** How long a fetched, unacknowledged message waits before JetStream delivers it again (a worker died). */
export const ACK_WAIT_MS = 15_000;
const STATUS_TTL_MS = 7 * 24 * 3600 * 1000;
const DUPLICATE_WINDOW_MS = 10 * 60 * 1000;

export interface OpenStream {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  settings: StreamSettings;
  /** Event status while queued or after a worker refused it, by `statusKey`. */
  status: KV;
  /** Partition leases (`partition.<n>` → worker id) and live workers (`worker.<id>`). */
  leases: KV;
  close(): Promise<void>;
}

export const subjectOf = (s: StreamSettings, programId: string, partition: number) => `${s.stream}.${programId}.${partition}`;
export const consumerOf = (partition: number) => `p${partition}`;

/** The KV key of an event's status: the event id is free text, so it is encoded. */
export const statusKey = (programId: string, eventId: string) => `${programId}.${Buffer.from(eventId, 'utf8').toString('base64url')}`;

/** A stable partition for a member key (FNV-1a), so a member's events share one. */
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

/** Connects, and makes the stream, its consumers and buckets if they are not there yet. */
export async function openStream(settings: StreamSettings, name: string): Promise<OpenStream> {
  const nc = await connect({ servers: settings.url, name });
  try {
    const jsm = await jetstreamManager(nc);
    const config = { name: settings.stream, subjects: [`${settings.stream}.>`], duplicate_window: nanos(DUPLICATE_WINDOW_MS) };
    try {
      await jsm.streams.info(settings.stream);
    } catch {
      await jsm.streams.add(config).catch(async (e: unknown) => {
        // Another process made it first.
        if (!(await jsm.streams.info(settings.stream).catch(() => null))) throw e;
      });
    }
    for (let p = 0; p < settings.partitions; p++) {
      await jsm.consumers.add(settings.stream, {
        durable_name: consumerOf(p),
        filter_subject: `${settings.stream}.*.${p}`,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(ACK_WAIT_MS),
        max_ack_pending: 20_000,
      });
    }
    const js = jetstream(nc);
    const kvm = new Kvm(nc);
    const status = await bucket(kvm, `${settings.stream}_status`, STATUS_TTL_MS);
    const leases = await bucket(kvm, `${settings.stream}_leases`, LEASE_MS);
    return { nc, js, jsm, settings, status, leases, close: () => nc.drain() };
  } catch (e) {
    await nc.close();
    throw e;
  }
}

/** What is waiting in each partition: not yet delivered, and delivered but not yet acknowledged. */
export async function backlog(s: OpenStream) {
  const out = [];
  for (let p = 0; p < s.settings.partitions; p++) {
    const info = await s.jsm.consumers.info(s.settings.stream, consumerOf(p));
    const lease = await s.leases.get(`partition.${p}`);
    out.push({
      partition: p,
      pending: info.num_pending,
      unacknowledged: info.num_ack_pending,
      worker: lease && lease.operation === 'PUT' ? lease.string() : null,
    });
  }
  return out;
}
