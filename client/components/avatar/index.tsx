/**
 * A person's picture (or a group's initials) with an optional online dot. The picture is
 * decorative next to the name it accompanies; the dot's meaning is given as text.
 */
import styles from "./avatar.module.css";

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
  return (
    <span class={styles.avatar}>
      {src ? (
        <img class={styles.image} src={src} alt="" width={size} height={size} loading="lazy" />
      ) : (
        <span class={styles.initials} style={{ ...box, fontSize: `${size * 0.4}px` }} aria-hidden="true">
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
