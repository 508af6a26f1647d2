import { createContext, useContext } from "react";
import type { Role } from "./gql/graphql";

export interface CurrentTeammate {
  id: string;
  name: string;
  role: Role;
}

/** The signed-in teammate, once the header's query has answered; null until then. */
export const CurrentTeammateContext = createContext<CurrentTeammate | null>(null);

export function useCurrentTeammate(): CurrentTeammate | null {
  return useContext(CurrentTeammateContext);
}
