/**
 * axe-core over what a component test rendered. happy-dom lays nothing out, so colour
 * contrast is left to the Chromium scan of the running app; names, roles, labels and ARIA
 * are checked here for every state a test puts a component in.
 */
import axe from "axe-core";

/** The serious and critical violations on the page, as "rule: target" lines. */
export async function seriousViolations(): Promise<string[]> {
  const result = await axe.run(document.body, { rules: { "color-contrast": { enabled: false } } });
  return result.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .flatMap((violation) => violation.nodes.map((node) => `${violation.id}: ${node.target.join(" ")}`));
}
