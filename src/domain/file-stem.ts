/** The file name a model or condition name gets ("qwen-small/multi" → "qwen-small__multi"). */
export const fileStem = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, '__');
