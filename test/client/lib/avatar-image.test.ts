import { describe, expect, it, vi } from "vitest";
import {
  AVATAR_SIZE,
  centredSquare,
  decodePicture,
  moveCrop,
  placeCrop,
  positionOf,
  renderAvatar,
  zoomCrop,
  zoomOf,
} from "../../../client/lib/avatar-image";
import { recordingCanvas } from "../support/canvas";

const landscape = { width: 1200, height: 800 };
const portrait = { width: 600, height: 900 };

describe("the avatar crop", () => {
  it("starts as the largest square in the middle of the picture", () => {
    expect(centredSquare(landscape)).toEqual({ x: 200, y: 0, size: 800 });
    expect(centredSquare(portrait)).toEqual({ x: 0, y: 150, size: 600 });
  });

  it("stays inside the picture however far it is dragged", () => {
    const start = centredSquare(landscape);
    expect(moveCrop(start, -5000, 0, landscape)).toEqual({ x: 0, y: 0, size: 800 });
    expect(moveCrop(start, 5000, 5000, landscape)).toEqual({ x: 400, y: 0, size: 800 });
  });

  it("stays square and inside the picture when zoomed, around its centre", () => {
    const zoomed = zoomCrop(centredSquare(landscape), 2, landscape);
    expect(zoomed).toEqual({ x: 400, y: 200, size: 400 });
    expect(zoomOf(zoomed, landscape)).toBe(2);
    const cornered = zoomCrop({ x: 0, y: 0, size: 200 }, 1, landscape);
    expect(cornered).toEqual({ x: 0, y: 0, size: 800 });
  });

  it("never zooms out past the picture or in past four times", () => {
    expect(zoomCrop(centredSquare(portrait), 0.2, portrait).size).toBe(600);
    expect(zoomCrop(centredSquare(portrait), 99, portrait).size).toBe(150);
  });

  it("moves along one axis by the position sliders' percent", () => {
    const start = centredSquare(landscape);
    expect(positionOf(start, "x", landscape)).toBe(50);
    expect(positionOf(start, "y", landscape)).toBe(50);
    const left = placeCrop(start, "x", 0, landscape);
    expect(left).toEqual({ x: 0, y: 0, size: 800 });
    expect(placeCrop(start, "x", 100, landscape).x).toBe(400);
  });
});

describe("renderAvatar", () => {
  it("draws the chosen square into a 256 x 256 WebP", async () => {
    const { drawings } = recordingCanvas();
    const blob = await renderAvatar({} as ImageBitmap, { x: 400, y: 200, size: 400 });
    expect(blob.type).toBe("image/webp");
    expect(drawings).toEqual([
      { canvas: { width: AVATAR_SIZE, height: AVATAR_SIZE }, source: [400, 200, 400, 400], target: [0, 0, 256, 256] },
    ]);
  });

  it("falls back to JPEG where the browser cannot encode WebP", async () => {
    const { encoded } = recordingCanvas({ encodes: ["image/jpeg", "image/png"] });
    const blob = await renderAvatar({} as ImageBitmap, centredSquare(portrait));
    expect(blob.type).toBe("image/jpeg");
    expect(encoded).toEqual(["image/webp", "image/jpeg"]);
  });
});

describe("decodePicture", () => {
  it("refuses a file that is not a picture before decoding it", async () => {
    const decode = vi.fn();
    vi.stubGlobal("createImageBitmap", decode);
    await expect(decodePicture(new File(["<html>"], "page.html", { type: "text/html" }))).rejects.toThrow(
      "Choose a picture",
    );
    expect(decode).not.toHaveBeenCalled();
  });
});
