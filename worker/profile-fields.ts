/**
 * What a profile's fields may hold, for the API and for the admin commands alike (so a user
 * made with `npm run manage` could have been made with POST /api/v1/profiles/).
 * Imports nothing but zod, so scripts/ can use it from Node as well.
 */
import { z } from "zod";

export const username = z
  .string()
  .min(1, "must not be empty")
  .max(32, "must be at most 32 characters")
  .regex(/^[\w.@+-]+$/, "may contain only letters, digits and @ . + - _");
export const personName = z.string().max(150, "must be at most 150 characters");
export const email = z.union(
  [z.literal(""), z.email("is not a valid email address").max(254)],
  "is not a valid email address",
);
export const password = z.string().min(6, "must be at least 6 characters").max(100, "must be at most 100 characters");
