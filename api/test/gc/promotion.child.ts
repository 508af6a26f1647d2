// Run by promotion.test.ts as `node --expose-gc --initial-old-space-size=512 --import tsx
// promotion.child.ts <db>` (production mode, as a deployed server runs): how many bytes of
// answered GraphQL requests survive two young-generation collections (and so are promoted to the
// old space, to wait there for a full mark-compact), per request of three operations: `{ __typename }`,
// `{ me { id name } }` and a first resolve. Prints one JSON line.
import { PerformanceObserver, constants } from "node:perf_hooks";
import { getHeapSpaceStatistics } from "node:v8";
import { keepAliveAgent, send } from "../../../bench/lib/http.js";
import { createConversation, createWorkspaceFixture, enableCsat } from "../../testkit/fixtures.js";
import { startTestServer, type DbKind } from "../../testkit/server.js";

const gc = (globalThis as { gc?: (options?: { type: "major" | "minor" }) => void }).gc;
if (!gc) throw new Error("run with --expose-gc");
const REQUESTS = 300;
const oldSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === "old_space")!.space_used_size;

// A full collection inside a measurement would free promoted bytes and hide them: count them (the
// test runs this with a large initial old space, so there should be none but the forced ones).
let fullCollections = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) fullCollections++;
  }
}).observe({ entryTypes: ["gc"] });

/** Long enough for the performance observer's entries to have been delivered. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

const server = await startTestServer({ db: process.argv[2] as DbKind });
try {
  const { token } = await createWorkspaceFixture(server.url);
  // node:http (the bench's client) rather than fetch, whose responses undici holds in a
  // FinalizationRegistry of its own.
  const agent = keepAliveAgent(1);
  let bearer = token;
  const ask = async (body: string) => {
    const res = await send(agent, `${server.url}/graphql`, "POST", body, { authorization: `Bearer ${bearer}` });
    if (res.status !== 200 || !res.body.includes('"data":{')) throw new Error(`${res.status} ${res.body}`);
  };
  /** Old-space bytes per request after `REQUESTS` of `query` and two young collections. */
  const promotedBy = async (query: string, variables: (i: number) => object = () => ({})) => {
    const body = (i: number) => JSON.stringify({ query, variables: variables(i) });
    for (let i = 0; i < 100; i++) await ask(body(i)); // compiled code, caches and connections settle
    gc();
    gc();
    await settle(); // the observer has heard of the forced ones
    const fullBefore = fullCollections;
    const before = oldSpace();
    for (let i = 100; i < 100 + REQUESTS; i++) await ask(body(i));
    // What is still reachable, as a young collection sees it, after two of them has been promoted.
    gc({ type: "minor" });
    gc({ type: "minor" });
    const promoted = (oldSpace() - before) / REQUESTS;
    await settle();
    if (fullCollections !== fullBefore) throw new Error(`a full collection ran while measuring ${query}`);
    return promoted;
  };
  const typename = await promotedBy("{ __typename }");
  const me = await promotedBy("{ me { id name } }");
  // A first resolve with CSAT on and the customer's address known: a transaction, a survey, an email.
  const fixture = await createWorkspaceFixture(server.url, "Resolves");
  await enableCsat(server.url, fixture.token);
  const ids: string[] = [];
  for (let i = 0; i < 100 + REQUESTS; i++) ids.push(await createConversation(server.url, fixture, { name: "Casey", email: `casey${i}@example.com` }));
  bearer = fixture.token;
  const resolve = await promotedBy("mutation($id: ID!) { resolveConversation(id: $id) { id status csatSurvey { id state } } }", (i) => ({ id: ids[i] }));
  console.log(JSON.stringify({ typename, me, resolve }));
} finally {
  await server.stop();
}
