import { h, hidden } from "./dom";

export type CardState =
  | { kind: "ask"; score: number | null; comment: string; busy: boolean; error: string | null }
  | { kind: "thanks"; score: number }
  | { kind: "already"; score: number | null }
  | { kind: "expired" };

export const MAX_COMMENT = 2000;
const LABELS = ["", "Very poor", "Poor", "Okay", "Good", "Excellent"];
export const starName = (n: number) => `${n} star${n === 1 ? "" : "s"}`;

export interface RatingCard {
  element: HTMLElement;
  update(state: CardState): void;
}

/**
 * The inline rating card: five star buttons ("1 star" … "5 stars"), an optional comment and
 * Submit; then a thank-you state, or a note that the survey was already answered or has expired.
 * The form's nodes persist across updates so focus and typed text survive re-renders.
 */
export function createRatingCard(handlers: {
  onScore(score: number): void;
  onComment(comment: string): void;
  onSubmit(): void;
}): RatingCard {
  const heading = h("h2", { id: "csat-q", tabindex: -1 }, "How was your experience?");
  const stars = [1, 2, 3, 4, 5].map((n) =>
    h(
      "button",
      { type: "button", class: "star", "aria-pressed": "false", onclick: () => handlers.onScore(n) },
      h("span", { "aria-hidden": "true" }, "★"),
      hidden(starName(n)),
    ),
  );
  const caption = h("p", { class: "stars-caption", "aria-live": "polite" });
  const comment = h("textarea", {
    id: "csat-comment",
    rows: 2,
    maxlength: MAX_COMMENT,
    oninput: (event: Event) => handlers.onComment((event.target as HTMLTextAreaElement).value),
  });
  const error = h("p", { class: "err", role: "alert", id: "csat-err" });
  const submit = h("button", { type: "submit", class: "btn" }, "Submit");
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
    h("label", { for: "csat-comment" }, "Comment ", h("span", { class: "muted" }, "(optional)")),
    comment,
    error,
    submit,
  );
  const body = h("div", { class: "card-body" });
  const element = h("section", { class: "card", "aria-labelledby": "csat-q", "data-testid": "csat-card" }, heading, body);
  let shown: CardState["kind"] | null = null;

  function update(state: CardState) {
    if (state.kind === "ask") {
      if (shown !== "ask") body.replaceChildren(form);
      stars.forEach((star, i) => {
        const on = state.score !== null && i < state.score;
        star.classList.toggle("on", on);
        star.setAttribute("aria-pressed", String(state.score === i + 1));
      });
      caption.textContent = state.score ? `${state.score} out of 5 — ${LABELS[state.score]}` : "";
      if (comment.value !== state.comment) comment.value = state.comment;
      error.textContent = state.error ?? "";
      submit.textContent = state.busy ? "Sending…" : "Submit";
      submit.setAttribute("aria-busy", String(state.busy));
      if (state.error) comment.setAttribute("aria-describedby", "csat-err");
      else comment.removeAttribute("aria-describedby");
    } else {
      const focus = shown === "ask" && element.contains(document.activeElement);
      heading.textContent = state.kind === "thanks" ? "Thank you!" : state.kind === "already" ? "Already answered" : "Survey expired";
      body.replaceChildren(
        state.kind === "thanks"
          ? h("p", null, `You rated this conversation ${state.score} out of 5. Your feedback helps us get better.`)
          : state.kind === "already"
            ? h(
                "p",
                null,
                "This survey was already answered",
                state.score ? ` (${state.score} out of 5)` : "",
                ", so there is nothing more to do here. Thank you!",
              )
            : h("p", null, "This survey can no longer be answered. Thank you for chatting with us."),
      );
      // Keyboard and screen-reader users land on the outcome instead of a button that is gone.
      if (focus) heading.focus();
    }
    element.dataset.state = state.kind;
    shown = state.kind;
  }

  return { element, update };
}
