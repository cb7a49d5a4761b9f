/**
 * Choosing a new avatar: pick a picture, frame a square of it (drag it, or use the arrow
 * keys and + / -, or the sliders), then upload a 256 px copy with a progress bar.
 */
import { useEffect, useId, useRef, useState } from "preact/hooks";
import { uploadAvatar } from "../../lib/api";
import {
  type Crop,
  centredSquare,
  decodePicture,
  MAX_ZOOM,
  moveCrop,
  placeCrop,
  positionOf,
  renderAvatar,
  zoomCrop,
  zoomOf,
} from "../../lib/avatar-image";
import form from "../dialog/form.module.css";
import { problemOf } from "../dialog/problem";
import styles from "./profile.module.css";

type Picture = { bitmap: ImageBitmap; url: string; width: number; height: number };

type AvatarEditorProps = {
  userId: number;
  avatarUrl: string;
  /** Called with the new avatar's URL once it is stored. */
  onUploaded: (avatarUrl: string) => void;
};

/** Share of the crop one arrow key press moves it; Shift moves five times as far. */
const KEY_STEP = 0.05;
const ZOOM_STEP = 0.25;

/** The avatar section of the profile dialog. */
export function AvatarEditor({ userId, avatarUrl, onUploaded }: AvatarEditorProps) {
  const [picture, setPicture] = useState<Picture | null>(null);
  const [crop, setCrop] = useState<Crop>({ x: 0, y: 0, size: 1 });
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState("");
  const [status, setStatus] = useState("");
  const headingId = useId();
  const drag = useRef<{ pointer: number; x: number; y: number; crop: Crop; scale: number } | null>(null);

  // The chosen picture's memory is given back when it is replaced or the dialog closes.
  useEffect(
    () => () => {
      if (picture) {
        URL.revokeObjectURL(picture.url);
        picture.bitmap.close();
      }
    },
    [picture],
  );

  const choose = async (event: Event) => {
    const input = event.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    input.value = "";
    if (!file) return;
    setError("");
    setStatus("");
    try {
      const bitmap = await decodePicture(file);
      const chosen = { bitmap, url: URL.createObjectURL(file), width: bitmap.width, height: bitmap.height };
      setPicture(chosen);
      setCrop(centredSquare(chosen));
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const upload = async () => {
    if (!picture) return;
    setError("");
    setProgress(0);
    try {
      const blob = await renderAvatar(picture.bitmap, crop);
      const answer = await uploadAvatar(userId, blob, (fraction) => setProgress(Math.round(fraction * 100)));
      setPicture(null);
      setStatus("Your picture is changed.");
      onUploaded(answer.avatar_url);
    } catch (err) {
      setError(problemOf(err).message);
    } finally {
      setProgress(null);
    }
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (!picture) return;
    const step = crop.size * KEY_STEP * (event.shiftKey ? 5 : 1);
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [-step, 0],
      ArrowRight: [step, 0],
      ArrowUp: [0, -step],
      ArrowDown: [0, step],
    };
    const zoom = zoomOf(crop, picture);
    if (moves[event.key]) setCrop(moveCrop(crop, ...moves[event.key], picture));
    else if (event.key === "+" || event.key === "=") setCrop(zoomCrop(crop, zoom + ZOOM_STEP, picture));
    else if (event.key === "-") setCrop(zoomCrop(crop, zoom - ZOOM_STEP, picture));
    else return;
    event.preventDefault();
  };

  const onPointerDown = (event: PointerEvent) => {
    const frame = event.currentTarget as HTMLElement;
    frame.setPointerCapture?.(event.pointerId);
    // Screen pixels to picture pixels: the frame shows `crop.size` picture pixels across.
    const scale = crop.size / (frame.getBoundingClientRect().width || 1);
    drag.current = { pointer: event.pointerId, x: event.clientX, y: event.clientY, crop, scale };
  };
  const onPointerMove = (event: PointerEvent) => {
    const start = drag.current;
    if (!start || start.pointer !== event.pointerId || !picture) return;
    // Dragging the picture right shows more of its left: the crop moves the other way.
    setCrop(
      moveCrop(start.crop, (start.x - event.clientX) * start.scale, (start.y - event.clientY) * start.scale, picture),
    );
  };
  const endDrag = () => (drag.current = null);

  const percent = (value: number) => `${value * 100}%`;

  return (
    <section class={form.form} aria-labelledby={headingId}>
      <h3 id={headingId}>Picture</h3>
      {!picture && (
        <img class={styles.current} src={avatarUrl} alt="You, as others see you now" width={96} height={96} />
      )}
      {picture && (
        <>
          {/* biome-ignore lint/a11y/useSemanticElements: a fieldset cannot take the pointer and key handlers the framing needs */}
          <div
            class={styles.cropFrame}
            role="group"
            // biome-ignore lint/a11y/noNoninteractiveTabindex: the frame is moved with the arrow keys, so it must take focus
            tabIndex={0}
            aria-label="Picture framing: drag, or use the arrow keys to move and + or - to zoom"
            onKeyDown={onKeyDown}
            onPointerDown={onPointerDown}
            onPointerMove={onPointerMove}
            onPointerUp={endDrag}
            onPointerCancel={endDrag}
            data-testid="crop-frame"
          >
            <img
              src={picture.url}
              alt="Your new picture, as it will be framed"
              draggable={false}
              style={{
                width: percent(picture.width / crop.size),
                height: percent(picture.height / crop.size),
                left: percent(-crop.x / crop.size),
                top: percent(-crop.y / crop.size),
              }}
            />
          </div>
          <label class={form.field}>
            Zoom
            <input
              type="range"
              min={1}
              max={MAX_ZOOM}
              step={0.05}
              value={zoomOf(crop, picture)}
              onInput={(event) => setCrop(zoomCrop(crop, Number(event.currentTarget.value), picture))}
            />
          </label>
          <label class={form.field}>
            Left to right
            <input
              type="range"
              min={0}
              max={100}
              value={positionOf(crop, "x", picture)}
              disabled={crop.size >= picture.width}
              onInput={(event) => setCrop(placeCrop(crop, "x", Number(event.currentTarget.value), picture))}
            />
          </label>
          <label class={form.field}>
            Top to bottom
            <input
              type="range"
              min={0}
              max={100}
              value={positionOf(crop, "y", picture)}
              disabled={crop.size >= picture.height}
              onInput={(event) => setCrop(placeCrop(crop, "y", Number(event.currentTarget.value), picture))}
            />
          </label>
        </>
      )}
      <div class={form.actions}>
        <label class={`${form.button} ${styles.fileButton}`}>
          {picture ? "Choose another picture" : "Choose a new picture"}
          <input type="file" accept="image/jpeg,image/png,image/gif,image/webp" onChange={choose} />
        </label>
        {picture && (
          <>
            <button
              type="button"
              class={`${form.button} ${form.primary}`}
              onClick={upload}
              disabled={progress !== null}
            >
              Upload picture
            </button>
            <button type="button" class={form.button} onClick={() => setPicture(null)} disabled={progress !== null}>
              Cancel
            </button>
          </>
        )}
      </div>
      {progress !== null && (
        <div class={styles.progress}>
          <progress max={100} value={progress} aria-label="Upload progress" />
          <span aria-hidden="true">{progress}%</span>
        </div>
      )}
      {error && (
        <p role="alert" class={form.alert}>
          {error}
        </p>
      )}
      {status && (
        <p role="status" class={form.status}>
          {status}
        </p>
      )}
    </section>
  );
}
