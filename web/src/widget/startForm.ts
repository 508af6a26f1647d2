import { RequestError, StartConversationMutation, request } from "./api";
import { h } from "./dom";
import type { StoredSession } from "./store";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The browser's language as BCP 47, which the survey is asked in when the workspace has its words;
 * null when the browser reports none or something else (a headless "C" locale, for one).
 */
function browserLocale(): string | null {
  try {
    return Intl.getCanonicalLocales(navigator.language)[0] ?? null;
  } catch {
    return null;
  }
}

function field(id: string, label: string, control: HTMLElement, hint?: string) {
  return h("div", { class: "field" }, h("label", { for: id }, label, hint ? h("span", { class: "muted" }, ` ${hint}`) : null), control);
}

/**
 * The "Start a conversation" form: name, optional email, first message. Checks them, starts the
 * conversation and hands the new session to `onStarted`; errors stay on the form, next to the field.
 */
export function createStartForm(options: { channelId: string; notice: string | null; onStarted(session: StoredSession): void }): HTMLFormElement {
  const name = h("input", { id: "w-name", name: "name", autocomplete: "name", required: true, maxlength: 100 });
  const email = h("input", { id: "w-email", name: "email", type: "email", autocomplete: "email", maxlength: 254 });
  const message = h("textarea", { id: "w-message", name: "message", rows: 3, required: true, maxlength: 5000 });
  const error = h("p", { class: "err", role: "alert", id: "w-start-err" });
  const submit = h("button", { type: "submit", class: "btn" }, "Start chat");
  let busy = false;

  function fail(text: string, control?: HTMLInputElement | HTMLTextAreaElement) {
    error.textContent = text;
    for (const c of [name, email, message]) {
      if (c === control) c.setAttribute("aria-invalid", "true");
      else c.removeAttribute("aria-invalid");
    }
    // The email field keeps its hint; the error joins whichever field it is about.
    for (const c of [name, message]) c.toggleAttribute("aria-describedby", c === control);
    email.setAttribute("aria-describedby", email === control ? "w-email-hint w-start-err" : "w-email-hint");
    if (control && control !== email) control.setAttribute("aria-describedby", "w-start-err");
    control?.focus();
  }

  async function start(event: Event) {
    event.preventDefault();
    if (busy) return;
    const customer = { name: name.value.trim(), email: email.value.trim() || null, locale: browserLocale() };
    const firstMessage = message.value.trim();
    if (!customer.name) return fail("Enter your name.", name);
    if (customer.email && !EMAIL.test(customer.email)) return fail("Enter a valid email address, or leave it empty.", email);
    if (!firstMessage) return fail("Write a message so we know how to help.", message);
    fail("");
    busy = true;
    submit.textContent = "Starting…";
    submit.setAttribute("aria-busy", "true");
    try {
      const { startWidgetConversation: started } = await request(StartConversationMutation, {
        input: { channelId: options.channelId, customer, firstMessage },
      });
      options.onStarted({ conversationId: started.conversation.id, visitorToken: started.visitorToken, prompt: null, answer: null });
    } catch (err) {
      fail(
        err instanceof RequestError && err.network
          ? "Can't reach us right now. Check your connection and try again."
          : err instanceof RequestError && err.code === "NOT_FOUND"
            ? "This chat is not set up correctly. Please contact us another way."
            : err instanceof RequestError && err.code === "BAD_USER_INPUT"
              ? err.message
              : "Something went wrong. Try again in a moment.",
      );
    } finally {
      busy = false;
      submit.textContent = "Start chat";
      submit.setAttribute("aria-busy", "false");
    }
  }

  const form = h(
    "form",
    { class: "w-start", novalidate: true, onsubmit: start, "aria-labelledby": "w-start-h" },
    h("h2", { id: "w-start-h" }, "Start a conversation"),
    options.notice ? h("p", { class: "notice" }, options.notice) : null,
    field("w-name", "Name", name),
    field("w-email", "Email", email, "(optional)"),
    h("p", { class: "hint", id: "w-email-hint" }, "Add it if you'd like a reply or a survey by email."),
    field("w-message", "How can we help?", message),
    error,
    submit,
  );
  email.setAttribute("aria-describedby", "w-email-hint");
  return form;
}
