import type { WidgetKey } from "../../../shared/i18n/widget";
import { h, hidden } from "./dom";

type I18n = typeof import("../../../shared/i18n/widget");
let i18n: I18n | null = null;
let loading: Promise<I18n> | null = null;

/**
 * The catalogs and the ICU formatter (FormatJS) load when the first card shows, as a chunk of their
 * own: a visitor who never gets a survey never downloads them, and the widget's first load stays small.
 */
function loadI18n(): Promise<I18n> {
  loading ??= import("../../../shared/i18n/widget").then(
    (module) => (i18n = module),
    (err: unknown) => {
      loading = null;
      throw err;
    },
  );
  return loading;
}

/** What the card cannot say in a sentence of its own: the catalog key of its error. */
export type CardError = Extract<WidgetKey, "errorNoScore" | "errorNotSent">;

export type CardState =
  | { kind: "ask"; score: number | null; comment: string; reason: string | null; busy: boolean; error: CardError | null }
  | { kind: "thanks"; score: number }
  | { kind: "already"; score: number | null }
  | { kind: "expired" };

/**
 * The survey's language and the team's wording, from its prompt (CsatPrompt). A prompt kept from
 * before the widget knew them has none: the browser's language and the built-in words stand in.
 */
export interface CardWording {
  locale?: string;
  question?: string;
  thankYou?: string;
  reasons?: string[];
  reasonsAtOrBelow?: number;
}

export const MAX_COMMENT = 2000;

export interface RatingCard {
  element: HTMLElement;
  update(state: CardState, wording?: CardWording | null): void;
}

/**
 * The inline rating card, in the survey's language (`lang` and `dir` on the card): five star
 * buttons ("1 star" … "5 stars") with the scale's words, after a low score the workspace's reasons
 * (optional, one choice), an optional comment and Submit; then a thank-you state, or a note that
 * the survey was already answered or has expired. The form's nodes persist across updates so
 * focus and typed text survive re-renders.
 */
export function createRatingCard(handlers: {
  onScore(score: number): void;
  onComment(comment: string): void;
  onReason?(reason: string | null): void;
  onSubmit(): void;
}): RatingCard {
  const heading = h("h2", { id: "csat-q", tabindex: -1 });
  const starNames = [1, 2, 3, 4, 5].map(() => hidden(""));
  const stars = [1, 2, 3, 4, 5].map((n) =>
    h(
      "button",
      { type: "button", class: "star", "aria-pressed": "false", onclick: () => handlers.onScore(n) },
      h("span", { "aria-hidden": "true" }, "★"),
      starNames[n - 1],
    ),
  );
  const caption = h("p", { class: "stars-caption", "aria-live": "polite" });
  const reasonsLegend = h("p", { class: "reasons-legend", id: "csat-reasons" });
  const reasonList = h("div", { class: "reasons", role: "group", "aria-labelledby": "csat-reasons" });
  const reasonsBox = h("div", { class: "reasons-box" }, reasonsLegend, reasonList);
  const comment = h("textarea", {
    id: "csat-comment",
    rows: 2,
    maxlength: MAX_COMMENT,
    oninput: (event: Event) => handlers.onComment((event.target as HTMLTextAreaElement).value),
  });
  const commentLabel = h("label", { for: "csat-comment" });
  const error = h("p", { class: "err", role: "alert", id: "csat-err" });
  const submit = h("button", { type: "submit", class: "btn" });
  const form = h(
    "form",
    {
      novalidate: true,
      onsubmit: (event: Event) => {
        event.preventDefault();
        handlers.onSubmit();
      },
    },
    h("div", { role: "group", "aria-labelledby": "csat-q", class: "stars" }, ...stars),
    caption,
    reasonsBox,
    commentLabel,
    comment,
    error,
    submit,
  );
  const body = h("div", { class: "card-body" });
  const element = h("section", { class: "card", "aria-labelledby": "csat-q", "data-testid": "csat-card" }, heading, body);
  let shown: CardState["kind"] | null = null;
  let shownReasons = "";
  let waiting: [CardState, CardWording | null] | null = null;

  function update(state: CardState, wording: CardWording | null = null) {
    if (!i18n) {
      // Shown as soon as its words are here (the latest state wins); a failed load retries on the next update.
      const first = waiting === null;
      waiting = [state, wording];
      if (first) {
        void loadI18n()
          .then(() => waiting && update(...waiting))
          .catch(() => undefined)
          .finally(() => (waiting = null));
      }
      return;
    }
    const { t, locale, dir } = i18n.widgetTranslator(wording?.locale ?? navigator.language);
    element.lang = locale;
    element.dir = dir;
    if (state.kind === "ask") {
      if (shown !== "ask") body.replaceChildren(form);
      heading.textContent = wording?.question ?? t("question");
      stars.forEach((star, i) => {
        const on = state.score !== null && i < state.score;
        star.classList.toggle("on", on);
        star.setAttribute("aria-pressed", String(state.score === i + 1));
        starNames[i]!.textContent = t("stars", { count: i + 1 });
      });
      caption.textContent = state.score ? t("caption", { score: state.score, label: t(`scale.${state.score}` as WidgetKey) }) : "";
      const reasons = wording?.reasons ?? [];
      const offered = state.score !== null && reasons.length > 0 && state.score <= (wording?.reasonsAtOrBelow ?? 0);
      reasonsBox.hidden = !offered;
      reasonsLegend.textContent = t("reasonLegend");
      if (shownReasons !== reasons.join("\n")) {
        shownReasons = reasons.join("\n");
        reasonList.replaceChildren(
          ...reasons.map((reason) =>
            h("button", { type: "button", class: "reason", "aria-pressed": "false", "data-reason": reason }, reason),
          ),
        );
      }
      for (const button of reasonList.children) {
        const picked = (button as HTMLElement).dataset.reason === state.reason;
        button.setAttribute("aria-pressed", String(picked));
        // Pressing the chosen reason again takes it back: the choice stays optional.
        (button as HTMLButtonElement).onclick = () => handlers.onReason?.(picked ? null : ((button as HTMLElement).dataset.reason ?? null));
      }
      commentLabel.replaceChildren(`${t("comment")} `, h("span", { class: "muted" }, t("optional")));
      if (comment.value !== state.comment) comment.value = state.comment;
      error.textContent = state.error ? t(state.error) : "";
      submit.textContent = state.busy ? t("sending") : t("submit");
      submit.setAttribute("aria-busy", String(state.busy));
      if (state.error) comment.setAttribute("aria-describedby", "csat-err");
      else comment.removeAttribute("aria-describedby");
    } else {
      const focus = shown === "ask" && element.contains(document.activeElement);
      heading.textContent =
        state.kind === "thanks" ? (wording?.thankYou ?? t("thankYou")) : state.kind === "already" ? t("alreadyHeading") : t("expiredHeading");
      body.replaceChildren(
        h(
          "p",
          null,
          state.kind === "thanks"
            ? t("thanksBody", { score: state.score })
            : state.kind === "already"
              ? t("alreadyBody", { score: state.score ?? 0 })
              : t("expiredBody"),
        ),
      );
      // Keyboard and screen-reader users land on the outcome instead of a button that is gone.
      if (focus) heading.focus();
    }
    element.dataset.state = state.kind;
    shown = state.kind;
  }

  return { element, update };
}
