import { Link, usePathname } from "../router";

const ITEMS = [
  { to: "/settings/csat", label: "CSAT survey" },
  { to: "/settings/widget", label: "Chat widget" },
  { to: "/settings/api-keys", label: "API keys" },
  { to: "/settings/webhooks", label: "Webhooks" },
];

export function SettingsNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Settings" className="subnav">
      <ul>
        {ITEMS.map((item) => (
          <li key={item.to}>
            <Link to={item.to} aria-current={pathname === item.to ? "page" : undefined}>
              {item.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
