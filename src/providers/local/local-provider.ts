import type { ProviderDefinition } from '../provider.js';
import { createFewShotClassifier, DEFAULT_FEW_SHOT_MODEL } from './few-shot-classifier.js';
import { deserializeArtifact } from './trainer/artifact.js';
import { createTrainedClassifier, DEFAULT_TRAINED_MODEL } from './trainer/trained-classifier.js';

/**
 * `local`: in-process models, no network, no key, no bill: the few-shot TF-IDF classifier for
 * labeling and prompt-only models, and the linear trainer (trainer/) whose weights are stored
 * with the model version.
 */
export const localProvider: ProviderDefinition = {
  capabilities: {
    runs: 'in-process',
    classifies: true,
    defaultModel: DEFAULT_FEW_SHOT_MODEL,
    training: {
      kind: 'local_trained',
      defaultBaseModel: DEFAULT_TRAINED_MODEL,
      nameTag: 'local',
      // Only for the pre-flight token counts: the trainer reads rows, not files.
      fileFormat: () => 'openai-chat',
      cost: () => 0,
    },
    needsKey: false,
    configHint: null,
    shutdownDates: false,
    dedicatedEndpoints: false,
    confidences: true,
  },

  connect: () => ({
    configured: true,
    classifier: (spec, prompt) =>
      spec.artifact
        ? createTrainedClassifier(deserializeArtifact(spec.artifact), { model: spec.model })
        : createFewShotClassifier(prompt, { model: spec.model }),
  }),
};
