import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { azureOpenAIProvider } from './azure-openai-provider.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown> | null;
}

// A stand-in for an Azure OpenAI resource: records what arrives and answers as Azure does.
const seen: Seen[] = [];
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk) => (raw += chunk));
    request.on('end', () => {
      seen.push({
        method: request.method!,
        url: request.url!,
        headers: request.headers,
        body: raw ? JSON.parse(raw) : null,
      });
      response.setHeader('content-type', 'application/json');
      if (request.url!.startsWith('/openai/models')) {
        response.end(JSON.stringify({ object: 'list', data: [] }));
        return;
      }
      response.end(
        JSON.stringify({
          id: 'chatcmpl-1',
          object: 'chat.completion',
          created: 0,
          model: 'gpt-4o-mini',
          choices: [
            { index: 0, message: { role: 'assistant', content: 'bug' }, logprobs: null, finish_reason: 'stop' },
          ],
          usage: { prompt_tokens: 30, completion_tokens: 1, total_tokens: 31 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const connect = () =>
  azureOpenAIProvider.connect({
    name: 'azure-eu',
    apiKey: 'az-secret',
    apiKeyEnv: 'AZURE_EU_KEY',
    baseUrl: endpoint,
    apiVersion: '2024-10-21',
    timeoutMs: 2_000,
    rpm: 60,
    tpm: 10_000,
    headers: { 'x-team': 'ml' },
  });

describe('azure-openai connections', () => {
  it('call the deployment named as the model, with the api-key header, api-version and extra headers', async () => {
    const prompt = { instructions: 'Route the ticket.', labels: [{ name: 'billing' }, { name: 'bug' }], fewShot: [] };
    const answer = await connect()
      .classifier({ model: 'tickets-mini' }, prompt as never)
      .classify('The app crashes', prompt as never);
    expect(answer).toMatchObject({ label: 'bug', confidence: null });
    const call = seen.at(-1)!;
    expect(call.method).toBe('POST');
    expect(call.url).toBe('/openai/deployments/tickets-mini/chat/completions?api-version=2024-10-21');
    expect(call.headers['api-key']).toBe('az-secret');
    expect(call.headers['authorization']).toBeUndefined();
    expect(call.headers['x-team']).toBe('ml');
  });

  it('probe with the model list, and say what to set when the key is missing', async () => {
    await connect().probe!(AbortSignal.timeout(2_000));
    expect(seen.at(-1)!.url).toBe('/openai/models?api-version=2024-10-21');
    const unkeyed = azureOpenAIProvider.connect({
      name: 'azure-eu',
      apiKey: undefined,
      apiKeyEnv: 'AZURE_EU_KEY',
      baseUrl: endpoint,
      timeoutMs: 2_000,
      rpm: 60,
      tpm: 10_000,
    });
    expect(unkeyed.configured).toBe(false);
    expect(unkeyed.capabilities).toMatchObject({ configHint: 'set AZURE_EU_KEY' });
  });
});
