export function NotFoundPage() {
  return (
    <section>
      <h1>No such page</h1>
      <p>
        <a href="/console/">Back to the tasks</a>
      </p>
    </section>
  );
}
