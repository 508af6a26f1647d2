import type { ReactNode } from "react";
import { useMutation, useQuery } from "urql";
import { CurrentTeammateContext } from "../currentTeammate";
import { graphql } from "../gql";
import { FollowUpsBadge } from "./followups/FollowUpsBadge";
import { Link, usePathname } from "../router";

const AppHeaderQuery = graphql(`
  query AppHeader {
    workspace {
      id
      name
    }
    me {
      id
      name
      role
    }
  }
`);

const SignOutMutation = graphql(`
  mutation SignOut {
    signOut
  }
`);

const NAV = [
  { to: "/inbox", label: "Inbox", adminOnly: false },
  { to: "/reports", label: "Reports", adminOnly: false },
  { to: "/responses", label: "Responses", adminOnly: false },
  { to: "/follow-ups", label: "Follow-ups", adminOnly: false },
  { to: "/settings/csat", section: "/settings", label: "Settings", adminOnly: false },
  { to: "/teammates", label: "Team", adminOnly: true },
  { to: "/team/audit-log", section: "/team", label: "Audit log", adminOnly: true },
  { to: "/outbox", label: "Outbox", adminOnly: true },
] as const;

const inSection = (pathname: string, section: string) => pathname === section || pathname.startsWith(`${section}/`);

/** The signed-in layout: skip link, header with workspace, navigation, teammate and Sign out, then the page. */
export function AppShell({ children, onSignedOut }: { children: ReactNode; onSignedOut: () => void }) {
  const pathname = usePathname();
  const [{ data }] = useQuery({ query: AppHeaderQuery });
  const [{ fetching: signingOut }, signOut] = useMutation(SignOutMutation);
  const me = data?.me ?? null;

  async function handleSignOut() {
    if (signingOut) return;
    // The session ends here whatever the server says; an unreachable server must not keep it alive.
    await signOut({});
    onSignedOut();
  }

  return (
    <CurrentTeammateContext.Provider value={me}>
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="app-header">
        <div className="app-header__brand">
          <span className="app-header__product">Hydra CSAT</span>
          {data?.workspace ? <span className="app-header__workspace">{data.workspace.name}</span> : null}
        </div>
        <nav aria-label="Main" className="app-header__nav">
          <ul>
            {NAV.filter((item) => !item.adminOnly || me?.role === "ADMIN").map((item) => {
              const section = "section" in item ? item.section : item.to;
              return (
                <li key={item.to}>
                  <Link to={item.to} aria-current={inSection(pathname, section) ? "page" : undefined}>
                    {item.label}
                    {item.to === "/follow-ups" ? <FollowUpsBadge /> : null}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <div className="app-header__account">
          {me ? (
            <span>
              <span className="visually-hidden">Signed in as </span>
              {me.name} <span className="role">{me.role === "ADMIN" ? "Admin" : "Agent"}</span>
            </span>
          ) : null}
          <button type="button" className="button button--secondary" onClick={handleSignOut} aria-busy={signingOut}>
            {signingOut ? "Signing out…" : "Sign out"}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </CurrentTeammateContext.Provider>
  );
}
