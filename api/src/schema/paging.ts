import { builder } from "../builder.js";

/** Where a page of a cursor-paged list ends (public-schema-v2's PageInfo, shared by every connection). */
export const PageInfo = builder.objectRef<{ hasNextPage: boolean; endCursor: string | null }>("PageInfo").implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean("hasNextPage"),
    endCursor: t.exposeString("endCursor", { nullable: true, description: "Pass as `after` for the next page; null on an empty page." }),
  }),
});
