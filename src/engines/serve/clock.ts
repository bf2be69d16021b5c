/** Unix seconds, as the OpenAI API stamps objects (`created`, `created_at`, `finished_at`). */
export const nowSeconds = () => Math.floor(Date.now() / 1000);
