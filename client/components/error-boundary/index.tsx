/**
 * Catches a crash anywhere below it and shows a way out instead of a blank page.
 */
import { Component, type ComponentChildren } from "preact";

type Props = { children: ComponentChildren };

export class ErrorBoundary extends Component<Props, { error: Error | null }> {
  state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  componentDidCatch(error: Error) {
    console.error("The page crashed:", error);
  }

  render() {
    if (!this.state.error) return this.props.children;
    return (
      <main style={{ padding: "2rem", maxWidth: "32rem", margin: "0 auto" }}>
        <h1>Something went wrong</h1>
        <p role="alert">The page hit an error it could not recover from. Your messages are safe on the server.</p>
        <button type="button" onClick={() => location.reload()}>
          Reload the page
        </button>
      </main>
    );
  }
}
