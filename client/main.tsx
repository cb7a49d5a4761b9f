/**
 * The web client's entry: mounts the app into the page.
 */
import { render } from "preact";
import { App } from "./app";
import { registerServiceWorker } from "./lib/push";

render(<App />, document.getElementById("app")!);
registerServiceWorker();
