/** What an agent sees on an admin-only page. */
export function AdminOnly({ what }: { what: string }) {
  return <p className="notice">Only admins can see {what}. Ask an admin of your workspace if you need it.</p>;
}
