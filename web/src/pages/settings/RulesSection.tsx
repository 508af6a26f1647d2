import { useEffect, useId, useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { useCurrentTeammate } from "../../currentTeammate";
import { describeError } from "../../errors";
import { graphql } from "../../gql";
import "./RulesSection.css";

const SurveyRulesQuery = graphql(`
  query SurveyRules {
    csatSettings {
      excludeLabels
      cooldownDays
      samplePercent
    }
  }
`);

const UpdateSurveyRulesMutation = graphql(`
  mutation UpdateSurveyRules($input: CsatSettingsInput!) {
    updateCsatSettings(input: $input) {
      excludeLabels
      cooldownDays
      samplePercent
    }
  }
`);

interface Draft {
  excludeLabels: string;
  cooldownDays: string;
  samplePercent: string;
}

const draftOf = (rules: { excludeLabels: string[]; cooldownDays: number; samplePercent: number }): Draft => ({
  excludeLabels: rules.excludeLabels.join(", "),
  cooldownDays: String(rules.cooldownDays),
  samplePercent: String(rules.samplePercent),
});

/** A whole number from `min` to `max`, or an error in words. */
function wholeNumber(text: string, label: string, min: number, max: number): { ok: true; value: number } | { ok: false; error: string } {
  const value = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) return { ok: false, error: `${label} must be a whole number from ${min} to ${max}.` };
  return { ok: true, value };
}

/**
 * Settings › CSAT survey › Survey rules: which resolved conversations get no survey — excluded
 * labels, a per-customer cooldown, and a sampled share. Admins change them (audited like every
 * setting); agents read them.
 */
export function RulesSection() {
  const id = useId();
  const me = useCurrentTeammate();
  const readOnly = me?.role !== "ADMIN";
  const [{ data }] = useQuery({ query: SurveyRulesQuery });
  const [{ fetching: saving }, update] = useMutation(UpdateSurveyRulesMutation);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [errors, setErrors] = useState<Partial<Record<keyof Draft, string>>>({});
  const [result, setResult] = useState<{ kind: "saved" | "error"; text: string } | null>(null);
  const rules = data?.csatSettings;

  useEffect(() => {
    if (rules && !draft) setDraft(draftOf(rules));
  }, [rules, draft]);

  if (!draft) return null;
  const current = draft;

  function change(next: Partial<Draft>) {
    setDraft({ ...current, ...next });
    setResult(null);
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    const cooldown = wholeNumber(current.cooldownDays, "Cooldown", 0, 365);
    const sample = wholeNumber(current.samplePercent, "Share surveyed", 1, 100);
    const found: Partial<Record<keyof Draft, string>> = {};
    if (!cooldown.ok) found.cooldownDays = cooldown.error;
    if (!sample.ok) found.samplePercent = sample.error;
    setErrors(found);
    if (!cooldown.ok || !sample.ok) {
      document.getElementById(`${id}-${!cooldown.ok ? "cooldown" : "sample"}`)?.focus();
      return;
    }
    const excludeLabels = current.excludeLabels
      .split(",")
      .map((label) => label.trim())
      .filter(Boolean);
    const saved = await update({ input: { excludeLabels, cooldownDays: cooldown.value, samplePercent: sample.value } });
    if (saved.error) return setResult({ kind: "error", text: describeError(saved.error) });
    if (saved.data) setDraft(draftOf(saved.data.updateCsatSettings));
    setResult({ kind: "saved", text: "Survey rules saved." });
  }

  const describedBy = (field: string, hint: string, error?: string) => `${hint}${error ? ` ${id}-${field}-error` : ""}`;

  return (
    <form className="card settings-form rules-section" onSubmit={save} noValidate aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Survey rules</h2>
      <p className="hint">A resolved conversation these rules leave out gets no survey; its survey panel in the inbox says why.</p>
      <fieldset disabled={readOnly || !me} className="settings-form__fields">
        <div className="field">
          <label htmlFor={`${id}-labels`}>Never survey conversations labelled</label>
          <input
            id={`${id}-labels`}
            value={current.excludeLabels}
            onChange={(e) => change({ excludeLabels: e.target.value })}
            placeholder="spam, internal"
            aria-describedby={`${id}-labels-hint`}
          />
          <p className="hint" id={`${id}-labels-hint`}>
            Labels separated by commas, up to 20 (compared without regard to case). Leave empty to survey every label.
          </p>
        </div>
        <div className="field">
          <label htmlFor={`${id}-cooldown`}>Cooldown, in days</label>
          <input
            id={`${id}-cooldown`}
            inputMode="numeric"
            value={current.cooldownDays}
            onChange={(e) => change({ cooldownDays: e.target.value })}
            aria-invalid={errors.cooldownDays ? true : undefined}
            aria-describedby={describedBy("cooldown", `${id}-cooldown-hint`, errors.cooldownDays)}
          />
          <p className="hint" id={`${id}-cooldown-hint`}>
            No survey to a customer (same customer or same email address) who was sent one in this many days. 0 = off; up to 365.
          </p>
          {errors.cooldownDays ? (
            <p className="field-error" id={`${id}-cooldown-error`} role="alert">
              {errors.cooldownDays}
            </p>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor={`${id}-sample`}>Share of conversations surveyed, in percent</label>
          <input
            id={`${id}-sample`}
            inputMode="numeric"
            value={current.samplePercent}
            onChange={(e) => change({ samplePercent: e.target.value })}
            aria-invalid={errors.samplePercent ? true : undefined}
            aria-describedby={describedBy("sample", `${id}-sample-hint`, errors.samplePercent)}
          />
          <p className="hint" id={`${id}-sample-hint`}>
            1 to 100. Each conversation is in or out for good, so a second resolve decides the same.
          </p>
          {errors.samplePercent ? (
            <p className="field-error" id={`${id}-sample-error`} role="alert">
              {errors.samplePercent}
            </p>
          ) : null}
        </div>
      </fieldset>
      {!readOnly ? (
        <div className="form-actions">
          <button type="submit" className="button" aria-busy={saving}>
            {saving ? "Saving…" : "Save rules"}
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
    </form>
  );
}
