/**
 * What is wrong with a request's fields, said as sentences for the person who filled them
 * in: "Enter a valid email address." rather than "email: is not a valid email address".
 * The API's `fields` keep each field's short reason; their sentences are the error's
 * `detail`, and the web client says each under its input the same way.
 */

/** Fields by what people call them; any other is its name with spaces. */
const FIELD_NAMES: Record<string, string> = {
  body: "the request",
  email: "the email address",
  first_name: "the first name",
  last_name: "the last name",
  username: "the username",
  password: "the password",
  current_password: "your current password",
  title: "the title",
  message: "the message",
  content: "the message",
  participants: "the participants",
  q: "the search",
  refresh: "the refresh token",
  dnd_until: "the do-not-disturb time",
  status_emoji: "the status emoji",
  status_text: "the status",
  status_until: "the status's end",
  notify: "the notification level",
  user_id: "the user",
  group_id: "the room",
};

/** What zod's type names mean to a person. */
const KINDS: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "an object",
};

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const asReason = (text: string) => text.charAt(0).toLowerCase() + text.slice(1).replace(/\.$/, "");

/** A field's name as people say it: of a list's item ("participants.3"), each of the list. */
function fieldName(field: string): string {
  const [first, item] = field.split(".");
  const name = FIELD_NAMES[first] ?? `the ${first.replaceAll("_", " ")}`;
  return item !== undefined && /^\d+$/.test(item) ? `each of ${name}` : name;
}

/** zod's own wordings, each with the rest of the sentence after the field's name. */
const ZOD_WORDINGS: [RegExp, (found: string[]) => string][] = [
  [/^Invalid input: expected \w+, received undefined$/, () => "is required"],
  [/^Required$/, () => "is required"],
  [/^Invalid input: expected (\w+), received \w+$/, ([kind]) => `must be ${KINDS[kind] ?? kind}`],
  [/^Too big: expected string to have <=(\d+) characters$/, ([n]) => `can be at most ${n} characters`],
  [
    /^Too small: expected string to have >=(\d+) characters$/,
    ([n]) => (n === "1" ? "must not be empty" : `must be at least ${n} characters`),
  ],
  [/^Too big: expected array to have <=(\d+) items$/, ([n]) => `can have at most ${n}`],
  [/^Too small: expected array to have >=(\d+) items$/, ([n]) => `must have at least ${n}`],
  [/^Too big: expected number to be <=?(\d+)$/, ([n]) => `can be at most ${n}`],
  [/^Too small: expected number to be >=?(\d+)$/, ([n]) => `must be at least ${n}`],
  [/^Invalid option: expected one of (.+)$/, ([options]) => `must be one of ${options.split("|").join(", ")}`],
  [/^Unrecognized keys?: (.+)$/, ([keys]) => `has a field it does not take: ${keys}`],
];

/** Our own reasons that do not follow the field's name, each with the rest of the sentence after it. */
const OWN_WORDINGS: [RegExp, (found: string[]) => string][] = [
  [/^unknown users: (.+)$/, ([ids]) => `include people who do not exist (${ids})`],
  [/^too many$/, () => "are too many"],
  [/^does not match your password$/, () => "is wrong"],
];

/** One field's reason as a sentence. */
export function sentenceFor(field: string, reason: string): string {
  if (/valid email address/i.test(reason)) return "Enter a valid email address.";
  const said = (rest: string) => `${capitalised(fieldName(field))} ${rest}.`;
  for (const [wording, rest] of [...ZOD_WORDINGS, ...OWN_WORDINGS]) {
    const found = reason.match(wording);
    if (found) return said(rest(found.slice(1)));
  }
  // A reason already written as a sentence (a search's) is said as it is.
  if (/^[A-Z].*[.!?]$/.test(reason)) return reason;
  // Our own reasons are written to follow the field's name ("must not be blank").
  if (/^[a-z]/.test(reason)) return said(reason.replace(/\.$/, ""));
  return said(`is not valid: ${asReason(reason)}`);
}

/** The sentences for every field's reason, in the order given. */
export function sentencesFor(fields: Record<string, string>): string {
  const sentences = Object.entries(fields).map(([field, reason]) => sentenceFor(field, reason));
  return [...new Set(sentences)].join(" ") || "Check what you entered and try again.";
}
