import { notFound } from '../errors.js';
import { sendJson } from '../http.js';
import type { ModelInfo, ModelProvider } from '../served-model.js';
import type { ServerResponse } from 'node:http';

/** GET /v1/models and /v1/models/:id, with vLLM's fields (max_model_len, root, parent). */
export function listModels(res: ServerResponse, models: ModelProvider): void {
  sendJson(res, 200, { object: 'list', data: models.list().map(modelCard) });
}

export function retrieveModel(res: ServerResponse, models: ModelProvider, id: string): void {
  const info = models.list().find((m) => m.id === id);
  if (!info) throw notFound(`The model \`${id}\` does not exist.`, 'model', 'model_not_found');
  sendJson(res, 200, modelCard(info));
}

function modelCard(info: ModelInfo) {
  return {
    id: info.id,
    object: 'model',
    created: info.created,
    owned_by: info.ownedBy,
    root: info.root,
    parent: info.parent,
    max_model_len: info.contextLength,
    permission: [],
  };
}
