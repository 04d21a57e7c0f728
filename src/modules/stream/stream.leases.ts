import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';

/** A compare-and-set on a key someone else changed, or that expired: the lease is not ours any more. */
function lostRace(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamWrongLastSequence;
}

/**
 * A worker's leases on partitions, in the leases bucket (whose TTL is the lease time).
 *
 * `partition.<n>` names the worker that holds partition n: taken with a create (it must not exist) and
 * renewed with a compare-and-set on the revision it was left at, so two workers can never both believe
 * they hold it for longer than a heartbeat. `worker.<id>` is each live worker's heartbeat, from which a
 * worker reckons its fair share of the partitions.
 */
export function createLeases(kv: KV, workerId: string) {
  const held = new Map<number, number>();
  const key = (p: number) => `partition.${p}`;

  return {
    holds: (p: number) => held.has(p),
    get count() {
      return held.size;
    },

    async beat() {
      await kv.put(`worker.${workerId}`, String(Date.now()));
    },

    /** The live workers' ids (this one included once it has beaten). */
    async workers(): Promise<string[]> {
      const ids: string[] = [];
      for await (const k of await kv.keys('worker.*')) ids.push(k.slice('worker.'.length));
      return ids;
    },

    /** Renews every lease held; answers the partitions whose lease was lost (it expired, or another worker took it). */
    async renew(): Promise<number[]> {
      const lost: number[] = [];
      for (const [p, revision] of held) {
        try {
          held.set(p, await kv.update(key(p), workerId, revision));
        } catch (err) {
          if (!lostRace(err)) throw err;
          held.delete(p);
          lost.push(p);
        }
      }
      return lost;
    },

    /** Takes a partition nobody holds; false if somebody does. */
    async take(p: number): Promise<boolean> {
      try {
        held.set(p, await kv.create(key(p), workerId));
        return true;
      } catch (err) {
        if (lostRace(err)) return false;
        throw err;
      }
    },

    /** Gives a partition back at once (only if still ours), rather than letting its lease run out. */
    async release(p: number) {
      const revision = held.get(p);
      held.delete(p);
      if (revision !== undefined) await kv.delete(key(p), { previousSeq: revision }).catch(() => {});
    },

    async leave() {
      for (const p of [...held.keys()]) await this.release(p);
      await kv.delete(`worker.${workerId}`).catch(() => {});
    },
  };
}

export type Leases = ReturnType<typeof createLeases>;
