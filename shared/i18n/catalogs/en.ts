/**
 * English, the source catalog: every other locale has exactly these keys (a test and the type
 * `Catalog` check it). Messages are ICU MessageFormat (FormatJS `intl-messageformat`).
 */

/** What the chat widget shows: the rating card in all its states. The rating page uses them too. */
export const widget = {
  question: "How was your experience?",
  thankYou: "Thank you for your feedback!",
  "scale.1": "Very poor",
  "scale.2": "Poor",
  "scale.3": "Okay",
  "scale.4": "Good",
  "scale.5": "Excellent",
  stars: "{count, plural, one {# star} other {# stars}}",
  caption: "{score} out of 5 — {label}",
  comment: "Comment",
  optional: "(optional)",
  reasonLegend: "What went wrong? (optional)",
  submit: "Submit",
  sending: "Sending…",
  thanksBody: "You rated this conversation {score} out of 5. Your feedback helps us get better.",
  alreadyHeading: "Already answered",
  alreadyBody:
    "{score, plural, =0 {This survey was already answered, so there is nothing more to do here. Thank you!} other {This survey was already answered ({score} out of 5), so there is nothing more to do here. Thank you!}}",
  expiredHeading: "Survey expired",
  expiredBody: "This survey can no longer be answered. Thank you for chatting with us.",
  errorNoScore: "Choose a rating from 1 to 5 stars.",
  errorNotSent: "Your rating wasn't sent. Check your connection and try again.",
};

/** What the server writes: the rating page and the survey email with its reminder. */
export const server = {
  "page.rating": "Your rating",
  "page.given": "Your rating: {score} out of 5",
  "page.yourComment": "Your comment:",
  "page.noReason": "None of these",
  "page.alreadySubmitted": "Already submitted.",
  "page.expiredHeading": "This survey has expired",
  "page.expiredBody": "This link stopped working on {expiresAt, date, long}.",
  "page.notFoundHeading": "Survey not found",
  "page.notFoundBody": "This link does not match any survey. Check that it was copied whole.",
  "page.tooManyHeading": "Too many requests",
  "page.tooManyBody": "Please try again in {seconds, plural, one {# second} other {# seconds}}.",
  "page.tooLargeHeading": "That was too much text",
  "page.tooLargeBody": "Shorten your comment and try again.",
  "page.errorHeading": "Something went wrong",
  "page.errorBody": "Please try again in a moment.",
  "page.unavailableHeading": "Temporarily unavailable",
  "page.unavailableBody": "We could not reach our database. Please try again in a few seconds.",
  "page.badReason": "Choose one of the reasons offered, or none.",
  "page.badComment": "Your comment could not be saved. Shorten it and try again.",
  "email.subject": "How was your experience with {workspace}?",
  "email.reminderSubject": "Reminder: {subject}",
  "email.intro": "Rate your recent conversation with {workspace} — one click is enough:",
  "email.textIntro": "Rate your recent conversation with {workspace}:",
  "email.openPage": "Or open the rating page:",
  "email.textPage": "Rating page: {link}",
  "email.validUntil": "The link works until {expiresAt, date, long}.",
  "email.unsubscribe": "<a>Unsubscribe</a> from survey emails of {workspace}.",
  "email.textUnsubscribe": "No more survey emails from {workspace}: {link}",
  "unsubscribe.askHeading": "Unsubscribe from survey emails?",
  "unsubscribe.body": "You will get no more satisfaction survey emails from {workspace}.",
  "unsubscribe.button": "Unsubscribe",
  "unsubscribe.doneHeading": "You are unsubscribed",
  "unsubscribe.notFoundHeading": "This link does not work",
  "unsubscribe.notFoundBody": "The unsubscribe link is not known here, or its address was erased.",
};

export type WidgetMessages = typeof widget;
export type ServerMessages = typeof server;
/** A locale's catalog: the same keys as English, its own words. */
export type Catalog<T> = { [K in keyof T]: string };
