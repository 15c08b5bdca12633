// A module resolve hook for the client generator only: openapi-typescript imports `typescript`
// for its printer, which needs TypeScript 5's compiler API; the project's own `typescript` is 7,
// which has none. Inside openapi-typescript, `typescript` resolves to the `typescript5` alias.
export async function resolve(specifier, context, next) {
  if (specifier === 'typescript' && context.parentURL?.includes('/node_modules/openapi-typescript/')) return next('typescript5', context);
  return next(specifier, context);
}
