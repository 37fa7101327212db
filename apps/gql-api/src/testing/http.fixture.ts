// Test-only: a minimal GraphQL-over-HTTP client (real fetch against a listening server).

export type GqlErrorBody = { message: string; path?: (string | number)[]; extensions?: { code?: string } };
export type GqlResponse<TData> = { status: number; headers: Headers; body: { data?: TData | null; errors?: GqlErrorBody[] } };

export const postGql = async <TData = Record<string, unknown>>(
  baseUrl: string,
  request: { query: string; variables?: Record<string, unknown>; apiKey?: string; headers?: Record<string, string> },
): Promise<GqlResponse<TData>> => {
  const auth: Record<string, string> = request.apiKey === undefined ? {} : { authorization: `Bearer ${request.apiKey}` };
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth, ...request.headers },
    body: JSON.stringify({ query: request.query, variables: request.variables }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as GqlResponse<TData>['body'] };
};
