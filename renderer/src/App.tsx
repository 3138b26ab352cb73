// The application shell. For now it introduces Framescope and says what the current release contains.
export function App() {
  return (
    <main className="app">
      <h1>Framescope</h1>
      <p className="tagline">
        A WebSocket debugger: open connections, intercept them through a local proxy, and inspect every
        frame on a timeline.
      </p>
      <section className="notice" role="status">
        <h2>Coming soon</h2>
        <p>
          This release contains the protocol core. Live connections, the intercepting proxy and the frame
          timeline arrive in upcoming releases.
        </p>
      </section>
    </main>
  );
}
