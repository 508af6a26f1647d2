import { setFlagsFromString } from "node:v8";

/**
 * V8's allocation-site pretenuring off, for this process, before the app's code runs (app.ts
 * imports this module first, and main.ts imports app.ts first).
 *
 * V8 watches where objects are allocated, and once most objects from one place in the code have
 * survived young collections it allocates that place's objects straight in the old space. A server
 * makes the same objects (rows, queries, promises, closures) for work that lives for hours (a
 * widget's subscription, startup) and for work that is garbage a millisecond later (a request):
 * after 20,000 widgets subscribed, or 1,400 conversations created, the request path's objects went
 * to the old space too, and from there kept the young objects they pointed to alive for the young
 * collector, which promoted those as well. Every such byte waits in the old space for a full
 * mark-compact, which with 20,000 widgets open walks ~350 MiB. With pretenuring off, a resolve at 70
 * per second with 19,700 widgets open promoted 4.8 KiB instead of 17.5 (docs/benchmarks.md,
 * "Session 9"); api/test/gc/promotion.test.ts keeps the figure. Started with
 * `--allocation-site-pretenuring`, the process keeps V8's default (to compare, or for a load that
 * gains by it).
 */
if (!process.execArgv.includes("--allocation-site-pretenuring")) setFlagsFromString("--no-allocation-site-pretenuring");
