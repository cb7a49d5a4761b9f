/**
 * happy-dom has no canvas or image decoder, so component tests draw on a recording canvas
 * and decode "pictures" to bitmaps of a chosen size. The canvas encodes the types listed
 * in `encodes` and, like a real browser, answers any other type with a PNG.
 */
import { vi } from "vitest";

export type Drawing = { canvas: { width: number; height: number }; source: number[]; target: number[] };

/** Replaces canvas drawing and encoding for the current test; returns what was drawn. */
export function recordingCanvas({ encodes = ["image/webp", "image/jpeg", "image/png"] } = {}) {
  const drawings: Drawing[] = [];
  const encoded: string[] = [];
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(function (this: HTMLCanvasElement) {
    return {
      imageSmoothingQuality: "low",
      drawImage: (_image: unknown, ...box: number[]) =>
        drawings.push({
          canvas: { width: this.width, height: this.height },
          source: box.slice(0, 4),
          target: box.slice(4),
        }),
    } as unknown as CanvasRenderingContext2D;
  });
  vi.spyOn(HTMLCanvasElement.prototype, "toBlob").mockImplementation((callback, type = "image/png") => {
    encoded.push(type);
    const answered = encodes.includes(type) ? type : "image/png";
    callback(new Blob([new Uint8Array([1, 2, 3, 4])], { type: answered }));
  });
  return { drawings, encoded };
}

/** Makes createImageBitmap decode any image file to a bitmap of `width` x `height`. */
export function decodesPicturesAs(width: number, height: number) {
  const decode = vi.fn(async (file: Blob) => {
    if (!file.type.startsWith("image/")) throw new DOMException("not an image", "InvalidStateError");
    return { width, height, close: () => undefined } as ImageBitmap;
  });
  vi.stubGlobal("createImageBitmap", decode);
  return decode;
}
