import type { ClassifierSpec, ProviderConnection } from '../provider.js';
import { usesLegacyCompletions } from './openai-classifier.js';
import { type PooledChat, pooledChat, type PooledChatConnection } from './pooled-chat-classifier.js';

/**
 * How an OpenAI-style connection's model versions are called when classify serves them (and
 * evaluations score them, so they are scored as they are served): chat models over the pooled
 * client, legacy completion models through the SDK classifier as before. The pool is made on
 * first use, like the SDK client.
 */
export function pooledServing(
  connection: PooledChatConnection,
  sdkClassifier: ProviderConnection['classifier'],
): Required<Pick<ProviderConnection, 'servingClassifier'>> {
  let chat: PooledChat | undefined;
  const pool = (): PooledChat => {
    chat ??= pooledChat(connection);
    return chat;
  };
  return {
    servingClassifier: (spec: ClassifierSpec, prompt) =>
      usesLegacyCompletions(spec.model) ? sdkClassifier(spec, prompt) : pool().classifier(spec.model),
  };
}
