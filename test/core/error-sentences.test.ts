/** Validation errors told as sentences for people, whatever zod or our own schemas said. */
import { describe, expect, it } from "vitest";
import { sentencesFor } from "../../core/error-sentences";

describe("sentencesFor", () => {
  it.each([
    [{ email: "is not a valid email address" }, "Enter a valid email address."],
    [{ title: "must not be blank" }, "The title must not be blank."],
    [{ password: "must be at least 6 characters" }, "The password must be at least 6 characters."],
    [{ username: "Invalid input: expected string, received undefined" }, "The username is required."],
    [{ refresh: "Required" }, "The refresh token is required."],
    [{ user_id: "Invalid input: expected number, received string" }, "The user must be a number."],
    [{ title: "Too big: expected string to have <=255 characters" }, "The title can be at most 255 characters."],
    [
      { "participants.2": "Invalid input: expected int, received number" },
      "Each of the participants must be a whole number.",
    ],
    [
      { notify: 'Invalid option: expected one of "everything"|"mentions"' },
      'The notification level must be one of "everything", "mentions".',
    ],
    [{ body: 'Unrecognized key: "zz"' }, 'The request has a field it does not take: "zz".'],
    [{ body: "Invalid input: expected object, received string" }, "The request must be an object."],
    [
      { q: 'A quote is not closed: end the phrase with another ".' },
      'A quote is not closed: end the phrase with another ".',
    ],
    [{ participants: "unknown users: 998, 999" }, "The participants include people who do not exist (998, 999)."],
    [{ participants: "too many" }, "The participants are too many."],
    [{ current_password: "does not match your password" }, "Your current password is wrong."],
    [{ dnd_until: "Invalid ISO datetime" }, "The do-not-disturb time is not valid: invalid ISO datetime."],
  ])("says %o as %s", (fields, sentence) => {
    expect(sentencesFor(fields)).toBe(sentence);
  });

  it("says each field once, in order, and something even when no field is named", () => {
    expect(sentencesFor({ email: "is not a valid email address", title: "must not be blank" })).toBe(
      "Enter a valid email address. The title must not be blank.",
    );
    expect(sentencesFor({})).toBe("Check what you entered and try again.");
  });
});
