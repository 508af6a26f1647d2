import { useState } from "react";
import type { CsatRange } from "../../gql/graphql";
import { CSRF_HEADER } from "../../client";
import { getSessionToken } from "../../session";

/** Saves `blob` as `filename` through a temporary link. */
function download(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function filenameFrom(disposition: string | null, fallback: string): string {
  const match = disposition && /filename="?([^";]+)"?/i.exec(disposition);
  return match?.[1] ?? fallback;
}

/**
 * Downloads `GET /api/csat/export.csv?range=…` (every answer in the range; admins) with the
 * session's token.
 */
export function CsvExportButton({ range }: { range: CsatRange }) {
  const [state, setState] = useState<{ busy: boolean; message: string | null; error: boolean }>({ busy: false, message: null, error: false });
  const filename = `csat-${range.toLowerCase().replaceAll("_", "-")}.csv`;

  async function exportCsv() {
    if (state.busy) return;
    setState({ busy: true, message: null, error: false });
    const token = getSessionToken();
    try {
      const response = await fetch(`/api/csat/export.csv?range=${encodeURIComponent(range)}`, {
        headers: { [CSRF_HEADER]: "1", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      });
      if (response.ok) {
        const name = filenameFrom(response.headers.get("content-disposition"), filename);
        download(await response.blob(), name);
        setState({ busy: false, message: `Downloaded ${name}.`, error: false });
      } else if (response.status === 403) {
        setState({ busy: false, message: "Only admins can export the answers.", error: true });
      } else {
        setState({ busy: false, message: "The export failed. Try again in a moment.", error: true });
      }
    } catch {
      setState({ busy: false, message: "Can't reach Hydra right now. Check your connection and try again.", error: true });
    }
  }

  return (
    <div className="csv-export">
      <button type="button" className="button button--secondary" onClick={exportCsv} aria-busy={state.busy}>
        {state.busy ? "Exporting…" : "Export CSV"}
      </button>
      <span role={state.error ? "alert" : "status"} className={state.error ? "field-error" : "muted"}>
        {state.message ?? ""}
      </span>
    </div>
  );
}
