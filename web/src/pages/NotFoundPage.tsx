import { Link } from "../router";
import { useDocumentTitle } from "../useDocumentTitle";

export function NotFoundPage() {
  useDocumentTitle("Page not found");
  return (
    <section className="page">
      <h1 tabIndex={-1}>Page not found</h1>
      <p>
        There is nothing at this address yet. <Link to="/inbox">Go to the inbox</Link>.
      </p>
    </section>
  );
}
