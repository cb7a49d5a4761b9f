import { render } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { Avatar, INITIALS_TEXT, INITIALS_TONES, toneOf } from "../../../client/components/avatar";

const DEFAULT = "http://localhost:8787/media/avatar_files/default_img.png";

/** WCAG's contrast ratio of two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const luminance = (hex: string) => {
    const [r, g, b] = [1, 3, 5].map((i) => {
      const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

describe("Avatar", () => {
  it("shows a chosen picture", () => {
    const { container } = render(<Avatar src="http://localhost:8787/media/avatars/7.webp" name="Ana Lima" />);
    expect(container.querySelector("img")?.getAttribute("src")).toBe("http://localhost:8787/media/avatars/7.webp");
  });

  it("shows initials on a colour, not the default silhouette, for someone without a picture", () => {
    const { container } = render(<Avatar src={DEFAULT} name="Ana Lima" />);
    expect(container.querySelector("img")).toBeNull();
    const initials = container.querySelector<HTMLElement>("[aria-hidden=true]")!;
    expect(initials.textContent).toBe("AL");
    expect(initials.style.background).not.toBe("");
  });

  it("gives the same name the same colour every time, and spreads names over the colours", () => {
    expect(toneOf("Ana Lima")).toBe(toneOf("Ana Lima"));
    const names = Array.from({ length: 40 }, (_, i) => `Person ${i}`);
    expect(new Set(names.map(toneOf)).size).toBeGreaterThan(4);
  });

  it("keeps every colour's initials readable (WCAG AA, 4.5:1) in both themes", () => {
    for (const tone of INITIALS_TONES) expect(contrast(tone, INITIALS_TEXT)).toBeGreaterThanOrEqual(4.5);
  });
});
