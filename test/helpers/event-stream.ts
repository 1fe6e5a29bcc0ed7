export interface StreamEvent {
  id?: string;
  event: string;
  data: Record<string, unknown>;
}

/** The events and comments of a text/event-stream body. */
export function parseEventStream(text: string): { events: StreamEvent[]; comments: string[] } {
  const events: StreamEvent[] = [];
  const comments: string[] = [];
  for (const block of text.split('\n\n')) {
    const lines = block.split('\n').filter(Boolean);
    comments.push(...lines.filter((line) => line.startsWith(':')).map((line) => line.slice(1).trim()));
    const field = (name: string) => lines.find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2);
    const data = field('data');
    if (data === undefined) continue;
    events.push({ id: field('id'), event: field('event') ?? 'message', data: JSON.parse(data) });
  }
  return { events, comments };
}
