import { useEffect, useId, useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { ConfirmCsatOff } from "../components/ConfirmCsatOff";
import { SettingsNav } from "../components/SettingsNav";
import { useCurrentTeammate } from "../currentTeammate";
import { describeError } from "../errors";
import { graphql } from "../gql";
import { RulesSection } from "./settings/RulesSection";
import { DELAY_PRESETS, MAX_DELAY_MINUTES, describeDelay, isPreset, parseCustomDelay } from "../lib/delay";
import { useDocumentTitle } from "../useDocumentTitle";
import { WordingSection } from "./settings/WordingSection";

const CsatSettingsQuery = graphql(`
  query CsatSettings {
    csatSettings {
      enabled
      delayMinutes
      scheduledCount
    }
  }
`);

const UpdateCsatSettingsMutation = graphql(`
  mutation UpdateCsatSettings($input: CsatSettingsInput!) {
    updateCsatSettings(input: $input) {
      enabled
      delayMinutes
      scheduledCount
    }
  }
`);

type DelayChoice = `${number}` | "custom";

interface Draft {
  enabled: boolean;
  choice: DelayChoice;
  custom: string;
}

function draftOf(settings: { enabled: boolean; delayMinutes: number }): Draft {
  return isPreset(settings.delayMinutes)
    ? { enabled: settings.enabled, choice: `${settings.delayMinutes}`, custom: "" }
    : { enabled: settings.enabled, choice: "custom", custom: String(settings.delayMinutes) };
}

/** `/settings/csat`: the master toggle and the delay; admins change them, agents read them. */
export function CsatSettingsPage() {
  useDocumentTitle("CSAT settings");
  const id = useId();
  const me = useCurrentTeammate();
  const [{ data, error, fetching }, refetch] = useQuery({ query: CsatSettingsQuery });
  const [confirmingOff, setConfirmingOff] = useState(false);
  const [{ fetching: saving }, update] = useMutation(UpdateCsatSettingsMutation);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [customError, setCustomError] = useState<string | null>(null);
  const [result, setResult] = useState<{ kind: "saved" | "error"; text: string } | null>(null);
  const settings = data?.csatSettings;
  const readOnly = me?.role !== "ADMIN";

  useEffect(() => {
    if (settings && !draft) setDraft(draftOf(settings));
  }, [settings, draft]);

  function change(next: Partial<Draft>) {
    setDraft((current) => (current ? { ...current, ...next } : current));
    setResult(null);
    if ("custom" in next || next.choice !== undefined) setCustomError(null);
  }

  async function save(event: FormEvent<HTMLFormElement> | null, confirmed = false) {
    event?.preventDefault();
    if (!draft || saving || readOnly) return;
    if (settings?.enabled && !draft.enabled && !confirmed) {
      // Fresh count for the question: surveys are scheduled while the page is open.
      refetch({ requestPolicy: "network-only" });
      setConfirmingOff(true);
      return;
    }
    let delayMinutes = Number(draft.choice);
    if (draft.choice === "custom") {
      const parsed = parseCustomDelay(draft.custom);
      if (!parsed.ok) {
        setCustomError(parsed.message);
        document.getElementById(`${id}-custom`)?.focus();
        return;
      }
      delayMinutes = parsed.minutes;
    }
    setResult(null);
    const response = await update({ input: { enabled: draft.enabled, delayMinutes } });
    if (response.data) {
      const saved = response.data.updateCsatSettings;
      setDraft(draftOf(saved));
      setResult({
        kind: "saved",
        text: saved.enabled
          ? `Saved. Surveys are sent ${saved.delayMinutes === 0 ? "immediately" : describeDelay(saved.delayMinutes)} after a conversation is resolved.`
          : "Saved. No surveys are sent.",
      });
    } else if (response.error) {
      setResult({ kind: "error", text: describeError(response.error) });
    }
  }

  const customId = `${id}-custom`;
  return (
    <section className="page" aria-labelledby={`${id}-heading`}>
      <SettingsNav />
      <h1 id={`${id}-heading`} tabIndex={-1}>
        Customer satisfaction survey
      </h1>
      <p className="lead">
        When a conversation is resolved, the customer is asked “How was your experience?” in their open chat widget
        and, if we have their address, by email.
      </p>
      <p role="status" className="page__status">
        {fetching && !settings ? "Loading settings…" : ""}
      </p>
      {error && !settings ? (
        <p role="alert" className="alert">
          {describeError(error)}
        </p>
      ) : null}
      {settings ? (
        <p className="settings-summary" data-testid="csat-summary">
          Currently <strong>{settings.enabled ? "on" : "off"}</strong>
          {settings.enabled
            ? ` — surveys are sent ${settings.delayMinutes === 0 ? "immediately" : describeDelay(settings.delayMinutes)} after a conversation is resolved.`
            : " — no surveys are sent."}
        </p>
      ) : null}
      {me && readOnly ? (
        <p className="notice" id={`${id}-readonly`}>
          Only admins can change these settings. You can see them, but not edit them.
        </p>
      ) : null}
      {draft ? (
        <form className="card settings-form" onSubmit={save} noValidate aria-describedby={readOnly ? `${id}-readonly` : undefined}>
          <fieldset disabled={readOnly || !me} className="settings-form__fields">
            <div className="switch-row">
              <input
                type="checkbox"
                role="switch"
                id={`${id}-enabled`}
                checked={draft.enabled}
                onChange={(event) => change({ enabled: event.target.checked })}
              />
              <label htmlFor={`${id}-enabled`}>Send CSAT survey when a conversation resolves</label>
            </div>
            <fieldset className="delay" aria-describedby={`${id}-delay-hint`} disabled={!draft.enabled}>
              <legend>Send the survey</legend>
              <p className="hint" id={`${id}-delay-hint`}>
                {draft.enabled ? "Counted from the moment the conversation is resolved." : "Turn surveys on to choose when they are sent."}
              </p>
              {DELAY_PRESETS.map((preset) => (
                <div className="radio-row" key={preset.minutes}>
                  <input
                    type="radio"
                    name="delay"
                    id={`${id}-delay-${preset.minutes}`}
                    value={preset.minutes}
                    checked={draft.choice === `${preset.minutes}`}
                    onChange={() => change({ choice: `${preset.minutes}` })}
                  />
                  <label htmlFor={`${id}-delay-${preset.minutes}`}>
                    {preset.minutes === 0 ? "Immediately" : `After ${preset.label}`}
                  </label>
                </div>
              ))}
              <div className="radio-row">
                <input
                  type="radio"
                  name="delay"
                  id={`${id}-delay-custom`}
                  value="custom"
                  checked={draft.choice === "custom"}
                  onChange={() => change({ choice: "custom" })}
                />
                <label htmlFor={`${id}-delay-custom`}>Custom</label>
              </div>
              {draft.choice === "custom" ? (
                <div className="field custom-delay">
                  <label htmlFor={customId}>Minutes after resolving (1 to {MAX_DELAY_MINUTES.toLocaleString("en-US")})</label>
                  <input
                    id={customId}
                    inputMode="numeric"
                    value={draft.custom}
                    onChange={(event) => change({ custom: event.target.value })}
                    aria-invalid={customError ? true : undefined}
                    aria-describedby={`${customId}-hint${customError ? ` ${customId}-error` : ""}`}
                  />
                  <p className="hint" id={`${customId}-hint`}>
                    {(() => {
                      const parsed = parseCustomDelay(draft.custom);
                      return parsed.ok ? `That is ${describeDelay(parsed.minutes)}.` : "Up to 7 days.";
                    })()}
                  </p>
                  {customError ? (
                    <p className="field-error" id={`${customId}-error`} role="alert">
                      {customError}
                    </p>
                  ) : null}
                </div>
              ) : null}
            </fieldset>
          </fieldset>
          {!readOnly ? (
            <div className="form-actions">
              <button type="submit" className="button" aria-busy={saving}>
                {saving ? "Saving…" : "Save"}
              </button>
              <p role="status" className={result?.kind === "saved" ? "success" : undefined}>
                {result?.kind === "saved" ? result.text : ""}
              </p>
            </div>
          ) : null}
          {result?.kind === "error" ? (
            <p role="alert" className="alert">
              {result.text}
            </p>
          ) : null}
          {confirmingOff && settings ? (
            <ConfirmCsatOff
              scheduled={settings.scheduledCount}
              onConfirm={() => {
                setConfirmingOff(false);
                void save(null, true);
              }}
              onCancel={() => setConfirmingOff(false)}
            />
          ) : null}
        </form>
      ) : null}
      <RulesSection />
      {draft ? <WordingSection /> : null}
    </section>
  );
}
