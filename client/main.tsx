/**
 * The web client's entry: mounts the app into the page.
 */
import { render } from "preact";
import { App } from "./app";

render(<App />, document.getElementById("app")!);
