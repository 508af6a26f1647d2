import { useEffect, useMemo, useRef } from "react";
import { Provider } from "urql";
import { createApiClient } from "./client";
import { AppShell } from "./components/AppShell";
import { ApiKeysPage } from "./pages/ApiKeysPage";
import { AuditLogPage } from "./pages/AuditLogPage";
import { CsatSettingsPage } from "./pages/CsatSettingsPage";
import { FollowUpsPage } from "./pages/FollowUpsPage";
import { InboxPage } from "./pages/InboxPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { OutboxPage } from "./pages/OutboxPage";
import { ReportsPage } from "./pages/ReportsPage";
import { ResponsesPage } from "./pages/ResponsesPage";
import { SignInPage } from "./pages/SignInPage";
import { WebhooksPage } from "./pages/WebhooksPage";
import { TeamPage } from "./pages/TeamPage";
import { WidgetSettingsPage } from "./pages/WidgetSettingsPage";
import { Redirect, usePathname } from "./router";
import { endSession, setSessionToken, useSessionToken } from "./session";

export function App() {
  const token = useSessionToken();
  const pathname = usePathname();
  const api = useMemo(
    () => createApiClient({ token, onUnauthenticated: () => token && endSession(token) }),
    [token],
  );
  useEffect(() => () => api.dispose(), [api]);
  useFocusOnNavigation(pathname);

  return (
    <Provider value={api.client}>
      <Routes pathname={pathname} signedIn={token !== null} />
    </Provider>
  );
}

function Routes({ pathname, signedIn }: { pathname: string; signedIn: boolean }) {
  if (pathname === "/sign-in") {
    return signedIn ? <Redirect to={afterSignIn()} /> : <SignInPage onSignedIn={setSessionToken} />;
  }
  if (!signedIn) {
    const next = pathname === "/" ? "" : `?next=${encodeURIComponent(pathname + window.location.search)}`;
    return <Redirect to={`/sign-in${next}`} />;
  }
  if (pathname === "/") return <Redirect to="/inbox" />;
  if (pathname === "/settings") return <Redirect to="/settings/csat" />;
  if (pathname === "/team") return <Redirect to="/team/audit-log" />;
  return <AppShell onSignedOut={() => setSessionToken(null)}>{page(pathname)}</AppShell>;
}

function page(pathname: string) {
  const conversation = /^\/inbox(?:\/([^/]+))?$/.exec(pathname);
  if (conversation) return <InboxPage conversationId={conversation[1] ? safeDecode(conversation[1]) : null} />;
  switch (pathname) {
    case "/reports":
      return <ReportsPage />;
    case "/responses":
      return <ResponsesPage />;
    case "/follow-ups":
      return <FollowUpsPage />;
    case "/settings/csat":
      return <CsatSettingsPage />;
    case "/settings/widget":
      return <WidgetSettingsPage />;
    case "/settings/api-keys":
      return <ApiKeysPage />;
    case "/settings/webhooks":
      return <WebhooksPage />;
    case "/team/audit-log":
      return <AuditLogPage />;
    case "/outbox":
      return <OutboxPage />;
    case "/teammates":
      return <TeamPage />;
    default:
      return <NotFoundPage />;
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Where the sign-in page was asked to return to: a path on this site, else the inbox. */
function afterSignIn(): string {
  const next = new URLSearchParams(window.location.search).get("next");
  return next && /^\/(?![/\\])/.test(next) ? next : "/inbox";
}

/** After an in-app navigation, moves focus to the new page's heading so screen readers announce it. */
function useFocusOnNavigation(pathname: string) {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const main = document.querySelector("main");
    const active = document.activeElement;
    // A page that placed focus itself (the sign-in form's email field) keeps it.
    if (active && active !== document.body && main?.contains(active)) return;
    main?.querySelector<HTMLElement>("h1")?.focus();
  }, [pathname]);
}
