import { afterAll, beforeAll, expect, it } from 'vitest';
import { FeedRepo } from '../../src/db/feeds.js';
import type { Store } from '../../src/db/store.js';
import { WriteBatcher } from '../../src/db/write-batcher.js';
import { describeEngines, freshStore } from '../helpers/engines.js';

/** Group commit: jobs that arrive together share a transaction, and each is still all or nothing. */
describeEngines('write batcher', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cleanup } = await freshStore(engine));
  });
  afterAll(async () => cleanup?.());

  it('commits jobs that arrive together (within a few event-loop turns) in one transaction; a job that throws is rolled back alone', async () => {
    let transactions = 0;
    const counting = Object.create(store) as Store;
    counting.transaction = ((fn: never, options: never) => {
      transactions++;
      return store.transaction(fn, options);
    }) as Store['transaction'];
    const writes = new WriteBatcher(counting);
    const job = (n: number) => async (tx: Parameters<Parameters<WriteBatcher['run']>[0]>[0]) => {
      await new FeedRepo(tx).add(`https://f${n}.example/rss`, 'user', 1);
      if (n === 3) throw new Error('job 3 broke after its write');
    };
    const outcomes = await Promise.allSettled([1, 2, 3, 4, 5, 6].map((n) => writes.run(job(n))));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect((outcomes[2] as PromiseRejectedResult).reason.message).toBe('job 3 broke after its write');
    expect((await new FeedRepo(store).list()).map((f) => f.url).sort()).toEqual([1, 2, 4, 5, 6].map((n) => `https://f${n}.example/rss`));
    // The first job waited a few turns of the event loop, and the five that came meanwhile joined it.
    expect(transactions).toBe(1);
    // A job alone commits after those turns, by itself.
    await writes.run(job(7));
    expect(transactions).toBe(2);
    expect(await new FeedRepo(store).byUrl('https://f7.example/rss')).toBeDefined();
  });

  it('a job alone that throws leaves nothing behind', async () => {
    const writes = new WriteBatcher(store);
    await expect(
      writes.run(async (tx) => {
        await new FeedRepo(tx).add('https://alone.example/rss', 'user', 1);
        throw new Error('alone');
      }),
    ).rejects.toThrow('alone');
    expect(await new FeedRepo(store).byUrl('https://alone.example/rss')).toBeUndefined();
  });
});
