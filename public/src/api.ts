/**
 * The pages' client of the REST API: the typed client (src/client, openapi-fetch over the types
 * generated from /openapi.json), with the page's token, its 401 handling and a look at every
 * response. Calls go through `must(api.GET(...))`: the typed data, or an ApiError with the API's
 * error code and message.
 */
import { createTajirClient, must, TajirApiError, type TajirClient } from '../../src/client/index.ts';

export { must, TajirApiError as ApiError };
export type { Answer, RequestBody } from '../../src/client/index.ts';
export type Api = TajirClient;

/** `onResponse` sees every response (the terminal reads the server's clock from its Date header). */
export function createApi(token: () => string | null, onUnauthorized: () => void, onResponse?: (res: Response) => void): Api {
  const api = createTajirClient({ baseUrl: location.origin, token });
  api.use({
    onResponse({ response }) {
      onResponse?.(response);
      if (response.status === 401) onUnauthorized();
      return response;
    },
  });
  return api;
}
