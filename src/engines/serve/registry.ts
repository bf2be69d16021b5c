import type { ModelInfo, ModelProvider, ServedModel } from './served-model.js';

/**
 * The models a server offers, each with a loader that runs once, on first use (a failed load is
 * forgotten so the next request tries again). Loads are shared between requests, so one
 * client disconnecting never cancels a load others wait for.
 */
export class ModelRegistry implements ModelProvider {
  private readonly entries = new Map<string, { info: ModelInfo; load: () => Promise<ServedModel> }>();
  private readonly loaded = new Map<string, Promise<ServedModel>>();

  add(info: ModelInfo, load: () => Promise<ServedModel>): void {
    this.entries.set(info.id, { info, load });
    this.loaded.delete(info.id);
  }

  list(): ModelInfo[] {
    return [...this.entries.values()].map((e) => e.info);
  }

  open(id: string): Promise<ServedModel> | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    let pending = this.loaded.get(id);
    if (!pending) {
      pending = entry.load();
      this.loaded.set(id, pending);
      pending.catch(() => this.loaded.delete(id));
    }
    return pending;
  }
}
