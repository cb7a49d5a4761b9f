/**
 * Avatars are cropped and shrunk in the browser before upload: the person picks a square
 * of their picture, and only a small WebP (or JPEG where the browser cannot encode WebP)
 * travels, so a 12-megapixel phone photo becomes a few kilobytes.
 */

/** A square of the source picture, in its own pixels. */
export type Crop = { x: number; y: number; size: number };

/** The picture's size in pixels. */
export type Dimensions = { width: number; height: number };

/** Side of the uploaded avatar in pixels. */
export const AVATAR_SIZE = 256;

/** The most a picture can be zoomed in: a square a quarter of its shorter side. */
export const MAX_ZOOM = 4;

const ENCODINGS = [
  { type: "image/webp", quality: 0.85 },
  { type: "image/jpeg", quality: 0.9 },
] as const;

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/** The largest square in the middle of the picture: where a crop starts. */
export function centredSquare({ width, height }: Dimensions): Crop {
  const size = Math.min(width, height);
  return { x: (width - size) / 2, y: (height - size) / 2, size };
}

/** The crop moved by (dx, dy) source pixels, kept inside the picture. */
export function moveCrop(crop: Crop, dx: number, dy: number, { width, height }: Dimensions): Crop {
  return {
    size: crop.size,
    x: clamp(crop.x + dx, 0, width - crop.size),
    y: clamp(crop.y + dy, 0, height - crop.size),
  };
}

/** How far the crop is zoomed in: 1 is the whole shorter side, MAX_ZOOM the closest. */
export const zoomOf = (crop: Crop, { width, height }: Dimensions) => Math.min(width, height) / crop.size;

/** The crop zoomed to `zoom` around its centre, kept square and inside the picture. */
export function zoomCrop(crop: Crop, zoom: number, picture: Dimensions): Crop {
  const size = Math.min(picture.width, picture.height) / clamp(zoom, 1, MAX_ZOOM);
  const centreX = crop.x + crop.size / 2;
  const centreY = crop.y + crop.size / 2;
  return moveCrop({ x: centreX - size / 2, y: centreY - size / 2, size }, 0, 0, picture);
}

/**
 * Where the crop sits along one axis, 0 (left or top) to 100 (right or bottom): what the
 * position sliders show. A crop that fills that axis sits in the middle.
 */
export function positionOf(crop: Crop, axis: "x" | "y", picture: Dimensions): number {
  const slack = (axis === "x" ? picture.width : picture.height) - crop.size;
  return slack > 0 ? Math.round((crop[axis] / slack) * 100) : 50;
}

/** The crop placed at `percent` (0 to 100) along one axis. */
export function placeCrop(crop: Crop, axis: "x" | "y", percent: number, picture: Dimensions): Crop {
  const slack = (axis === "x" ? picture.width : picture.height) - crop.size;
  return { ...crop, [axis]: (clamp(percent, 0, 100) / 100) * slack };
}

function encode(canvas: HTMLCanvasElement, type: string, quality: number): Promise<Blob | null> {
  return new Promise((resolve) => canvas.toBlob(resolve, type, quality));
}

/**
 * Draws the cropped square at AVATAR_SIZE and encodes it. A browser that cannot encode a
 * type answers with a PNG instead, so the blob's type says whether WebP worked.
 */
export async function renderAvatar(picture: CanvasImageSource, crop: Crop): Promise<Blob> {
  const canvas = document.createElement("canvas");
  canvas.width = AVATAR_SIZE;
  canvas.height = AVATAR_SIZE;
  const context = canvas.getContext("2d");
  if (!context) throw new Error("This browser cannot resize pictures.");
  context.imageSmoothingQuality = "high";
  context.drawImage(picture, crop.x, crop.y, crop.size, crop.size, 0, 0, AVATAR_SIZE, AVATAR_SIZE);
  for (const { type, quality } of ENCODINGS) {
    const blob = await encode(canvas, type, quality);
    if (blob && blob.type === type) return blob;
  }
  throw new Error("This browser cannot encode pictures as WebP or JPEG.");
}

/** Decodes a chosen file, turned upright as its EXIF says; refuses what is not a picture. */
export async function decodePicture(file: File): Promise<ImageBitmap> {
  if (!file.type.startsWith("image/")) throw new Error("Choose a picture (JPEG, PNG, GIF or WebP).");
  try {
    return await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    throw new Error("That picture could not be read.");
  }
}
