/**
 * The pub/sub the subscriptions use: Yoga's `createPubSub` contract (publish on a topic, subscribe
 * to one as an async iterator) over the same event targets (in-process, or Redis's), with a leaner
 * iterator. Yoga's makes a Repeater per subscriber, about 1.5 KiB of closures, promises and
 * per-instance method names held for as long as a widget stays open; a `TopicFeed` is one object
 * and one bound listener, its methods on the prototype. At 20,000 idle widgets a process holds
 * 20,000 of them (see docs/benchmarks.md, "More widgets per process").
 */
/** What the pub/sub uses of an event target (EventTarget, or @graphql-yoga/redis-event-target's). */
export interface TopicTarget {
  addEventListener(topic: string, listener: (event: Event) => void): void;
  removeEventListener(topic: string, listener: (event: Event) => void): void;
  dispatchEvent(event: Event): boolean;
}

/** Events waiting for a reader beyond this are dropped, oldest first: a reader that stopped reading cannot grow memory. */
export const FEED_MAX_WAITING = 1024;

/** Topic name → `[payload]`, or `[id, payload]` for a topic per id (the channel `<topic>:<id>`). */
type TopicMap = { [topic: string]: [unknown] | [string, unknown] };
type PayloadOf<A> = A extends [string, infer P] ? P : A extends [infer P] ? P : never;
type SubscribeArgs<A> = A extends [string, unknown] ? [id: string] : [];

export interface TopicPubSub<T extends TopicMap> {
  publish<K extends Extract<keyof T, string>>(topic: K, ...args: T[K]): void;
  subscribe<K extends Extract<keyof T, string>>(topic: K, ...args: SubscribeArgs<T[K]>): TopicFeed<PayloadOf<T[K]>>;
}

export function createTopicPubSub<T extends TopicMap>(target: TopicTarget): TopicPubSub<T> {
  return {
    publish(topic, ...args) {
      const [channel, payload] = args.length === 2 ? [`${topic}:${args[0]}`, args[1]] : [topic, args[0]];
      target.dispatchEvent(new CustomEvent(channel, { detail: payload }));
    },
    subscribe(topic, ...args) {
      return new TopicFeed(target, args.length === 1 ? `${topic}:${args[0]}` : topic);
    },
  };
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * One subscriber's events on one channel, in order. It starts listening at the first `next()` (as
 * Yoga's Repeater did) and stops at `return()` or `throw()`, answering every waiting `next()` with
 * done.
 */
export class TopicFeed<P> implements AsyncIterableIterator<P> {
  private listener: ((event: Event) => void) | null = null;
  private waiting: P[] | null = null;
  private readers: ((result: IteratorResult<P, undefined>) => void)[] | null = null;
  private done = false;

  constructor(
    private readonly target: TopicTarget,
    private readonly channel: string,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<P, undefined>> {
    if (this.waiting?.length) return Promise.resolve({ done: false, value: this.waiting.shift()! });
    if (this.done) return Promise.resolve(DONE);
    if (!this.listener) {
      this.listener = this.hear.bind(this);
      this.target.addEventListener(this.channel, this.listener);
    }
    return new Promise((resolve) => (this.readers ??= []).push(resolve));
  }

  return(): Promise<IteratorResult<P, undefined>> {
    this.end();
    return Promise.resolve(DONE);
  }

  throw(error?: unknown): Promise<IteratorResult<P, undefined>> {
    this.end();
    return Promise.reject(error);
  }

  private hear(event: Event): void {
    const payload = (event as CustomEvent<P>).detail;
    const reader = this.readers?.shift();
    if (reader) return reader({ done: false, value: payload });
    const waiting = (this.waiting ??= []);
    if (waiting.length >= FEED_MAX_WAITING) waiting.shift();
    waiting.push(payload);
  }

  private end(): void {
    if (this.done) return;
    this.done = true;
    if (this.listener) this.target.removeEventListener(this.channel, this.listener);
    this.listener = null;
    this.waiting = null;
    const readers = this.readers ?? [];
    this.readers = null;
    for (const reader of readers) reader(DONE);
  }
}
