import type { ObjectRef } from "@pothos/core";
import { builder } from "../builder.js";
import type { Context } from "../context.js";

/** Where a page of a cursor-paged list ends (public-schema-v2's PageInfo, shared by every connection). */
export const PageInfo = builder.objectRef<{ hasNextPage: boolean; endCursor: string | null }>("PageInfo").implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean("hasNextPage"),
    endCursor: t.exposeString("endCursor", { nullable: true, description: "Pass as `after` for the next page; null on an empty page." }),
  }),
});

/** The schema builder's own types, which an object type of this schema carries. */
type BuilderTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** A page as the services give it (ids in order, each with its cursor) with its nodes loaded. */
interface LoadedPage<N extends { id: string }> {
  edges: { cursor: string; id: string }[];
  hasNextPage: boolean;
  endCursor: string | null;
  nodes: N[];
}

/**
 * `<Name>Edge` and `<Name>Connection` over a page whose nodes were loaded apart: the edges in the
 * page's order (a node gone between the two reads drops out), its PageInfo, and `totalCount` asked
 * of `count` only when selected.
 */
export function loadedConnection<N extends { id: string }, P extends LoadedPage<N>>(
  name: string,
  // The node's object type (a plain or a Prisma object ref) whose backing shape is N; Pothos cannot
  // check a generic N against it, so the caller's two type arguments are what ties them.
  nodeType: ObjectRef<BuilderTypes, unknown> | { name: string },
  count: (page: P, ctx: Context) => Promise<number>,
) {
  const Edge = builder.objectRef<{ cursor: string; node: N }>(`${name}Edge`).implement({
    fields: (t) => ({
      cursor: t.exposeString("cursor"),
      node: t.field({ type: nodeType as ObjectRef<BuilderTypes, unknown>, resolve: (edge) => edge.node }),
    }),
  });
  return builder.objectRef<P>(`${name}Connection`).implement({
    fields: (t) => ({
      edges: t.field({
        type: [Edge],
        resolve: (page) => {
          const byId = new Map(page.nodes.map((n) => [n.id, n]));
          return page.edges.flatMap((e) => {
            const node = byId.get(e.id);
            return node ? [{ cursor: e.cursor, node }] : [];
          });
        },
      }),
      pageInfo: t.field({ type: PageInfo, resolve: (page) => page }),
      totalCount: t.int({ resolve: (page, _args, ctx) => count(page, ctx) }),
    }),
  });
}
