/**
 * A person's picture (or a group's initials) with an optional online dot. The picture is
 * decorative next to the name it accompanies; the dot's meaning is given as text. Someone
 * who never chose a picture has the original's default one (a silhouette that reads as an
 * error); they get their initials instead, on a colour of their own.
 */
import styles from "./avatar.module.css";

/** The picture everyone has until they upload one: the original's, kept in the API's avatar_url. */
const DEFAULT_PICTURE = "/media/avatar_files/default_img.png";

/**
 * Initials' backgrounds, each at least 5:1 against the white initials on it, in either theme
 * (the initials are white on the colour whatever the page's theme).
 */
export const INITIALS_TONES = ["#b42318", "#b54708", "#027a48", "#175cd3", "#5925dc", "#c11574", "#0e7090", "#475467"];
export const INITIALS_TEXT = "#ffffff";

/** The same name always gets the same tone. */
export function toneOf(name: string): string {
  let hash = 0;
  for (const unit of name) hash = (hash * 31 + unit.codePointAt(0)!) >>> 0;
  return INITIALS_TONES[hash % INITIALS_TONES.length];
}

type AvatarProps = {
  /** The picture; without one, the initials of `name`. */
  src?: string;
  name: string;
  size?: number;
  /** true/false shows the dot; null (presence unknown) or undefined shows none. */
  online?: boolean | null;
};

const initialsOf = (name: string) =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((word) => [...word][0]?.toUpperCase() ?? "")
    .join("");

export function Avatar({ src, name, size = 36, online }: AvatarProps) {
  const box = { width: `${size}px`, height: `${size}px` };
  const picture = src && !src.endsWith(DEFAULT_PICTURE) ? src : undefined;
  const tone = { background: toneOf(name), color: INITIALS_TEXT };
  return (
    <span class={styles.avatar}>
      {picture ? (
        <img class={styles.image} src={picture} alt="" width={size} height={size} loading="lazy" />
      ) : (
        <span class={styles.initials} style={{ ...box, ...tone, fontSize: `${size * 0.4}px` }} aria-hidden="true">
          {initialsOf(name)}
        </span>
      )}
      {online !== undefined && online !== null && (
        <span
          class={`${styles.dot} ${online ? styles.online : ""}`}
          role="img"
          aria-label={online ? "online" : "offline"}
        />
      )}
    </span>
  );
}
